"""deploy/compose.yaml (demo) and deploy/compose.prod.yaml against the compose spec and the CLI contract."""

from __future__ import annotations

import importlib.resources
import json
import re

import jsonschema
import pytest
import yaml
from deploy_support import (
    AVAILABLE_CONNECTORS,
    DEPLOY,
    INSTALLED,
    LOOPBACK,
    PREFIXES,
    SANDBOX_PORT,
    SANDBOXES,
    check_argv,
    has_url,
)

FILES = {"demo": DEPLOY / "compose.yaml", "prod": DEPLOY / "compose.prod.yaml"}
# Connector settings that are secrets: never inline in a production compose file or env file.
SECRET_FIELDS = ("API_TOKEN", "PAT", "PASSWORD", "CLIENT_SECRET")


def load(which: str) -> dict:
    return yaml.safe_load(FILES[which].read_text())  # PyYAML resolves the `<<` merge keys


def compose_spec() -> dict:
    # The compose-spec JSON schema, as vendored by check-jsonschema (`--builtin-schema vendor.compose-spec`).
    ref = importlib.resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    return json.loads(ref.read_text())


def env_file(path) -> dict[str, str]:
    result = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            result[key.strip()] = value.strip()
    return result


def service_env(which: str, service: dict) -> dict[str, str]:
    """environment + env_file (read from the shipped *.example next to the file)."""
    env: dict[str, str] = {}
    files = service.get("env_file", [])
    for name in [files] if isinstance(files, str) else files:
        example = DEPLOY / f"{name}.example"
        assert example.exists(), f"{which}: env_file {name} has no {example.name} to copy"
        env.update(env_file(example))
    raw = service.get("environment", {})
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    env.update({k: str(v) for k, v in raw.items()})
    return env


def published(service: dict) -> dict[int, tuple[str, int]]:
    """container port -> (host ip, host port), from short-syntax ports."""
    result = {}
    for spec in service.get("ports", []):
        parts = str(spec).split(":")
        assert len(parts) == 3, f"publish with an explicit host address: {spec}"
        result[int(parts[2])] = (parts[0], int(parts[1]))
    return result


def servers(which: str):
    for name, service in load(which)["services"].items():
        command = service.get("command")
        if command and command[0] == "serve":
            yield name, service, check_argv(command)


@pytest.mark.parametrize("which", sorted(FILES))
def test_compose_file_matches_the_compose_spec(which):
    jsonschema.Draft202012Validator(compose_spec()).validate(load(which))


@pytest.mark.parametrize("which", sorted(FILES))
def test_every_command_is_accepted_by_the_cli(which):
    for name, service in load(which)["services"].items():
        command = service.get("command")
        if service.get("image", "").startswith("enterprise-connectors") or "build" in service:
            assert command, f"{which}/{name}: the command chooses the connector; set it explicitly"
            check_argv(command)


@pytest.mark.parametrize("which", sorted(FILES))
def test_servers_listen_where_they_are_published(which):
    names = set()
    for name, service, args in servers(which):
        names.add(args.name)
        assert name == args.name, "one service per connector, named after it"
        assert args.host == "0.0.0.0", f"{which}/{name}: must listen beyond the container's loopback"
        ports = published(service)
        assert list(ports) == [args.port], f"{which}/{name}: publish the port the server listens on"
        host_ip, host_port = ports[args.port]
        assert host_ip == "127.0.0.1", f"{which}/{name}: no inbound auth yet: publish on loopback only"
        assert host_port == args.port
        env = service_env(which, service)
        prefix = PREFIXES[args.name]
        opted_in = args.allow_unauthenticated or env.get(f"{prefix}_ALLOW_UNAUTHENTICATED", "").lower() == "true"
        assert opted_in, (
            f"{which}/{name}: 0.0.0.0 is refused without --allow-unauthenticated or {prefix}_ALLOW_UNAUTHENTICATED"
        )
        if has_url(args.name):  # connectors with a fixed upstream address (e.g. Google's) have none
            assert env.get(f"{prefix}_URL", "").startswith(("http://", "https://"))
        assert env.get("REDIS_URL", "").startswith("redis://")
        for key in env.get(f"{prefix}_ALLOWED_HOSTS", "").split(","):
            assert key and ":" not in key and "/" not in key, f"{which}/{name}: allowed host {key!r}"
        assert service.get("read_only") is True and service["tmpfs"] == ["/tmp"]
        assert service["user"] == "10001:10001" and service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
    assert names == set(AVAILABLE_CONNECTORS), f"{which}: every connector, once"


def test_demo_is_wired_to_the_sandbox_and_redis():
    compose = load("demo")
    services = compose["services"]
    assert set(services) == {"sandbox", "redis", *AVAILABLE_CONNECTORS}
    sandbox = check_argv(services["sandbox"]["command"])
    assert sandbox.command == "sandbox" and sandbox.host == "0.0.0.0" and sandbox.port == SANDBOX_PORT
    # Each connector's main sandbox: Microsoft's (HTTPS with a CA made at start) stays with `connectors demo`.
    boxes = {INSTALLED[name].sandboxes[0] for name in AVAILABLE_CONNECTORS}
    assert set(sandbox.names) == boxes, "the demo runs the sandbox of every connector"
    ports = {SANDBOXES[box].default_port for box in boxes}
    assert published(services["sandbox"]) == {port: ("127.0.0.1", port) for port in ports}
    for name, service, _args in servers("demo"):
        env = service_env("demo", service)
        if not has_url(name):
            assert f"http://sandbox:{SANDBOXES[INSTALLED[name].sandboxes[0]].default_port}" in env.values(), env
            assert service["depends_on"]["sandbox"]["condition"] == "service_healthy"
            continue
        url = env[f"{PREFIXES[name]}_URL"]
        assert re.fullmatch(rf"http://sandbox:{sandbox.port}(/wiki)?", url), url
        assert (url.endswith("/wiki")) == (name == "confluence")
        assert env[f"{PREFIXES[name]}_EMAIL"] == "alice@example.com"
        assert env[f"{PREFIXES[name]}_API_TOKEN"] == "token-alice"
        assert service["depends_on"]["sandbox"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    for service in (s for n, s in services.items() if n != "redis"):
        assert service["build"]["target"] == "demo" and service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["image"] == "enterprise-connectors:demo"


def test_prod_uses_the_runtime_image_secrets_files_and_external_state():
    compose = load("prod")
    services = compose["services"]
    assert {"redis", "postgres"} <= set(services)
    assert "sandbox" not in services
    for name, service, args in servers("prod"):
        assert service["build"]["target"] == "runtime"
        assert "common.env" in service["env_file"] and f"{name}.env" in service["env_file"]
        for secret in service["secrets"]:
            assert secret.startswith(f"{name}_"), "secret files are named <prefix lower>_<field>"
            assert compose["secrets"][secret]["file"] == f"./secrets/{secret}"
        env = service_env("prod", service)
        for key in env:
            assert not key.endswith(SECRET_FIELDS), f"prod/{name}: {key} belongs in a secret file"
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert set(service["depends_on"]) == {"redis", "postgres"}
        assert not (set(published(service).values()) - {("127.0.0.1", args.port)})
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "ports" not in services["postgres"] and "ports" not in services["redis"]


def test_env_examples_cover_every_connector_and_hold_no_secret():
    for name in AVAILABLE_CONNECTORS:
        env = env_file(DEPLOY / f"{name}.env.example")
        prefix = PREFIXES[name]
        assert all(k.startswith(f"{prefix}_") for k in env), f"{name}.env.example: only {prefix}_ settings"
        assert f"{prefix}_ALLOWED_HOSTS" in env and (f"{prefix}_URL" in env or not has_url(name))
        assert not any(k.endswith(SECRET_FIELDS) for k in env)
    common = env_file(DEPLOY / "common.env.example")
    assert set(common) == {"REDIS_URL", "DATABASE_URL", "LOG_LEVEL", "OTEL_EXPORTER_OTLP_ENDPOINT"}


def test_published_host_addresses_are_loopback_everywhere():
    for which in FILES:
        for name, service in load(which)["services"].items():
            for host_ip, _ in published(service).values():
                assert host_ip in LOOPBACK, f"{which}/{name}"


def test_the_spec_check_catches_a_typo():
    compose = load("demo")
    compose["services"]["jira"]["comand"] = compose["services"]["jira"].pop("command")
    with pytest.raises(jsonschema.ValidationError, match="'comand' was unexpected"):
        jsonschema.Draft202012Validator(compose_spec()).validate(compose)
