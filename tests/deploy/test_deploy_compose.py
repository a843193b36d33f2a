"""deploy/compose.yaml (demo) and deploy/compose.prod.yaml against the compose spec and the CLI contract."""

from __future__ import annotations

import base64
import importlib.resources
import json
import os
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


def mounted_secrets(service: dict) -> dict[str, str]:
    """source -> the file name under /run/secrets (short syntax: the same; long syntax: `target`)."""
    result = {}
    for entry in service.get("secrets", []):
        source = entry if isinstance(entry, str) else entry["source"]
        result[source] = entry if isinstance(entry, str) else entry.get("target", source)
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
        assert host_ip == "127.0.0.1", f"{which}/{name}: publish on loopback only (HTTPS at the reverse proxy)"
        assert host_port == args.port
        env = service_env(which, service)
        prefix = PREFIXES[args.name]
        opted_in = args.allow_unauthenticated or env.get(f"{prefix}_ALLOW_UNAUTHENTICATED", "").lower() == "true"
        signed_in = env.get("AUTH_PUBLIC_URL", "").startswith("https://")
        assert opted_in or signed_in, (
            f"{which}/{name}: 0.0.0.0 is refused without sign-in (AUTH_PUBLIC_URL), --allow-unauthenticated "
            f"or {prefix}_ALLOW_UNAUTHENTICATED"
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
        for source, target in mounted_secrets(service).items():
            # On the host: <connector>_<variable> (or vault_keys, shared); in the container: the variable's name.
            assert source == "vault_keys" or source.startswith(f"{name}_"), f"prod/{name}: secret {source}"
            assert target == source.removeprefix(f"{name}_"), f"prod/{name}: {source} must be read as {target}"
            assert compose["secrets"][source]["file"] == f"./secrets/{source}"
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
        assert all(k.startswith((f"{prefix}_", "AUTH_")) for k in env), f"{name}.env.example: {prefix}_ and AUTH_"
        assert f"{prefix}_ALLOWED_HOSTS" in env and (f"{prefix}_URL" in env or not has_url(name))
        assert not any(k.endswith(SECRET_FIELDS) for k in env)
    common = env_file(DEPLOY / "common.env.example")
    assert set(common) == {
        "REDIS_URL",
        "DATABASE_URL",
        "LOG_LEVEL",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "CONNECTORS_SECRETS_DIR",
    }
    assert common["CONNECTORS_SECRETS_DIR"] == "/run/secrets"  # where compose mounts the secret files


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


# ---------------------------------------------------------------- production: per-user sign-in

# The upstream logins each server's example configuration signs people in with (storage: both providers).
EXAMPLE_LOGINS = {
    "jira": ["atlassian"],
    "confluence": ["atlassian"],
    "storage": ["google", "microsoft"],
    "mail": ["google"],
}


def test_prod_servers_sign_in_with_secret_files_and_the_bundled_postgresql():
    compose = load("prod")
    for name, service, _args in servers("prod"):
        env = service_env("prod", service)
        public = env["AUTH_PUBLIC_URL"]
        assert public.startswith("https://") and "/" not in public.removeprefix("https://"), f"{name}: an origin"
        host = public.removeprefix("https://")
        assert host in env[f"{PREFIXES[name]}_ALLOWED_HOSTS"].split(","), f"{name}: the public host is accepted"
        assert f"{PREFIXES[name]}_ALLOW_UNAUTHENTICATED" not in env, f"{name}: sign-in, not an open server"
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert "postgres" in service["depends_on"]
        targets = set(mounted_secrets(service).values())
        assert "vault_keys" in targets, f"{name}: VAULT_KEYS as a secret file"
        assert compose["secrets"]["vault_keys"]["file"] == "./secrets/vault_keys"
        for login in EXAMPLE_LOGINS[name]:
            variable = "AUTH_UPSTREAM_" if login == "atlassian" else f"AUTH_{login.upper()}_"
            assert env.get(variable + "CLIENT_ID"), f"{name}: {variable}CLIENT_ID"
            assert (variable + "client_secret").lower() in targets, f"{name}: {variable}CLIENT_SECRET as a file"
        if "atlassian" in EXAMPLE_LOGINS[name]:
            assert env["AUTH_UPSTREAM_KIND"] == "atlassian"
        for key in env:
            assert not key.endswith(SECRET_FIELDS) and key != "VAULT_KEYS", f"prod/{name}: {key} belongs in a file"


@pytest.mark.parametrize("name", AVAILABLE_CONNECTORS)
def test_prod_sign_in_configuration_is_complete_for_the_server(name, monkeypatch, tmp_path):
    """Each server's env files and secret files (placeholder values) through `sign_in_for`, as `serve` calls it."""
    import anyio

    from shared.auth.wiring import sign_in_for
    from shared.settings import load_settings

    service = load("prod")["services"][name]
    for variable in [v for v in os.environ if v.startswith(("AUTH_", "VAULT_", "DATABASE_", PREFIXES[name] + "_"))]:
        monkeypatch.delenv(variable)
    for variable, value in service_env("prod", service).items():
        monkeypatch.setenv(variable, value)
    secrets_dir = tmp_path / "run-secrets"  # stands in for /run/secrets
    secrets_dir.mkdir()
    for target in mounted_secrets(service).values():
        value = "k1:" + base64.b64encode(bytes(range(32))).decode() if target == "vault_keys" else f"{target}-value"
        (secrets_dir / target).write_text(value)
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(secrets_dir))
    monkeypatch.setenv("DATABASE_URL", "")  # the bundled PostgreSQL is not running here: a SQLite file instead
    monkeypatch.setenv("AUTH_SQLITE_PATH", str(tmp_path / "connectors.db"))
    connector = INSTALLED[name]
    signed_in = sign_in_for(connector, load_settings(connector.settings))
    assert signed_in is not None
    try:
        sign_in = signed_in.sign_in
        assert sign_in.settings.resource_url == os.environ["AUTH_PUBLIC_URL"] + "/mcp"
        assert [upstream.name for upstream in sign_in.upstreams] == EXAMPLE_LOGINS[name]
        assert sign_in.vault is not None and signed_in.credentials is not None
    finally:
        anyio.run(sign_in.stop)


# ---------------------------------------------------------------- production: enterprise delegation (commented)

ENTERPRISE_BLOCK = "# --- Enterprise mode without a per-person login"
COMMENTED_YAML = re.compile(r"^(\s*)# (\s*(?:- source: |target: |file: |\w+_google_service_account\.json:))", re.M)


def enterprise_env(name: str) -> dict[str, str]:
    """The commented enterprise block of <name>.env.example, uncommented (its placeholders filled in)."""
    text = (DEPLOY / f"{name}.env.example").read_text()
    block = text[text.index(ENTERPRISE_BLOCK) :].split("\n\n", 1)[0]
    lines = [line.removeprefix("# ") for line in block.splitlines() if re.match(r"# [A-Z_]+=", line)]
    env = {key: value for key, _, value in (line.partition("=") for line in lines)}
    return {key: value.replace("<tenant id>", "7f3c2a10-5e4b-4c8d-9a61-2b0c7d9e4f11") for key, value in env.items()}


def service_account_key() -> str:
    """A service account's JSON key as the Cloud console downloads it (a fresh RSA key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme",
            "private_key_id": "0" * 40,
            "private_key": pem.decode(),
            "client_email": "connectors@acme.iam.gserviceaccount.com",
            "client_id": "1" * 21,
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


@pytest.mark.parametrize("name", ["storage", "mail"])
def test_the_commented_enterprise_setup_is_complete_for_the_server(name, monkeypatch, tmp_path):
    """The env example's enterprise lines and compose.prod.yaml's key-file secret, uncommented, through
    `sign_in_for` as `serve` calls it: the server acts by delegation for every provider, with no vault."""
    import anyio

    from shared.auth.delegated import DelegatedTokenSet
    from shared.auth.wiring import sign_in_for
    from shared.settings import load_settings

    compose = yaml.safe_load(COMMENTED_YAML.sub(r"\1\2", FILES["prod"].read_text()))
    jsonschema.Draft202012Validator(compose_spec()).validate(compose)
    service = compose["services"][name]
    env = service_env("prod", service) | enterprise_env(name)
    env.pop("AUTH_GOOGLE_CLIENT_ID")  # not needed: the service account acts
    for variable in [v for v in os.environ if v.startswith(("AUTH_", "VAULT_", "DATABASE_", PREFIXES[name] + "_"))]:
        monkeypatch.delenv(variable)
    secrets_dir = tmp_path / "run-secrets"  # stands in for /run/secrets
    secrets_dir.mkdir()
    key_file = env.pop("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE")
    assert key_file.startswith(env["CONNECTORS_SECRETS_DIR"] + "/")
    mounted = mounted_secrets(service)
    for source, target in mounted.items():
        assert compose["secrets"][source]["file"] == f"./secrets/{source}"
        if target != "vault_keys":  # no vault in this mode
            (secrets_dir / target).write_text(service_account_key() if target.endswith(".json") else "secret")
    assert os.path.basename(key_file) in mounted.values(), f"{name}: the key file is one of the service's secrets"
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", str(secrets_dir / os.path.basename(key_file)))
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(secrets_dir))
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("AUTH_SQLITE_PATH", str(tmp_path / "connectors.db"))
    connector = INSTALLED[name]
    signed_in = sign_in_for(connector, load_settings(connector.settings))
    assert signed_in is not None
    try:
        assert isinstance(signed_in.credentials, DelegatedTokenSet)
        providers = env[f"{PREFIXES[name]}_PROVIDERS"].split(",")
        assert set(signed_in.credentials.delegates) == set(providers)
        assert signed_in.sign_in.vault is None and not signed_in.sign_in.upstreams
    finally:
        anyio.run(signed_in.sign_in.stop)
