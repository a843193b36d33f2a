"""The Helm chart: lint, render, Kubernetes schemas, security posture, values schema."""

from __future__ import annotations

import base64
import copy
import json
import os
from functools import cache
from pathlib import Path

import helm_python as helm
import jsonschema
import kubernetes_validate
import pytest
import yaml
from deploy_support import AVAILABLE_CONNECTORS, CHART, DEFAULT_PORTS, check_argv

MAX_VALUES = CHART / "ci" / "max-values.yaml"
BUILTIN_PATHS = ["/.well-known", "/authorize", "/token", "/register", "/revoke", "/oauth"]
SERVICEMONITOR_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "servicemonitor.schema.json").read_text())
# Oldest supported (Chart.yaml kubeVersion >=1.27) and the newest schema kubernetes-validate ships.
KUBE_VERSIONS = ("1.27.0", kubernetes_validate.latest_version())
NAMESPACE = "connectors"


def max_values() -> dict:
    return yaml.safe_load(MAX_VALUES.read_text())


@cache
def chart() -> helm.Chart:
    return helm.Chart.load(CHART)


def render(values: dict | None) -> list[dict]:
    """Schema-check then render like `helm template`; the manifests as dicts."""
    merged = chart().merge_values(values)
    chart().validate_schema(merged)
    out = chart().render(values, name="rel", namespace=NAMESPACE, is_install=True)
    docs: list[dict] = []
    for path, text in sorted(out.items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


@cache
def _rendered(which: str) -> str:
    return json.dumps(render(None if which == "default" else max_values()))


def rendered(which: str) -> list[dict]:
    return json.loads(_rendered(which))


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def schema_error(values: dict) -> str:
    with pytest.raises(helm.HelmValuesError) as caught:
        chart().validate_schema(chart().merge_values(values))
    return str(caught.value)


# ---------------------------------------------------------------- lint and render


@pytest.mark.parametrize("which", ["default", "max"])
def test_chart_lints_clean(which):
    report = helm.lint(CHART, None if which == "default" else max_values(), kube_version="v1.30.0", namespace=NAMESPACE)
    problems = [m for m in report["messages"] if m["severity"] >= 2]  # 2=warning, 3=error
    assert not report["errors"] and not problems, report


@pytest.mark.parametrize("which", ["default", "max"])
@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_every_manifest_validates_against_kubernetes_schema(which, kube_version):
    docs = rendered(which)
    assert docs
    for doc in docs:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] == "ServiceMonitor":
            # A CRD: kubernetes-validate has no schema for it; our own subset schema instead.
            jsonschema.Draft202012Validator(SERVICEMONITOR_SCHEMA).validate(doc)
            continue
        try:
            kubernetes_validate.validate(doc, kube_version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{where} invalid for Kubernetes {kube_version}: {error.message} at {list(error.path)}")


def test_default_values_render_jira_only():
    docs = rendered("default")
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(
        ["ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"]
    )
    assert {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in docs} == {"jira"}


def test_max_values_render_every_kind_for_every_connector():
    docs = rendered("max")
    expected = {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
    }
    for name in AVAILABLE_CONNECTORS:
        kinds = {d["kind"] for d in docs if d["metadata"]["labels"]["app.kubernetes.io/component"] == name}
        assert kinds == expected, name
    for doc in docs:
        assert doc["metadata"]["namespace"] == NAMESPACE


def test_max_values_file_enables_every_connector_in_the_schema():
    known = set(json.loads((CHART / "values.schema.json").read_text())["properties"]["connectors"]["properties"])
    assert known == set(AVAILABLE_CONNECTORS)
    assert {n for n, c in max_values()["connectors"].items() if c["enabled"]} == known


# ---------------------------------------------------------------- the pod


def containers(which: str):
    for dep in of_kind(rendered(which), "Deployment"):
        yield dep, dep["spec"]["template"]["spec"], dep["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("which", ["default", "max"])
def test_pods_are_locked_down(which):
    for _dep, pod, ctr in containers(which):
        psc, sc = pod["securityContext"], ctr["securityContext"]
        assert psc["runAsNonRoot"] is True and psc["runAsUser"] == 10001
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        tmp = next(v for v in pod["volumes"] if v["name"] == "tmp")
        assert "emptyDir" in tmp
        assert {"name": "tmp", "mountPath": "/tmp"} in ctr["volumeMounts"]
        assert ctr["resources"]["requests"] and ctr["resources"]["limits"]
        assert int(ctr["lifecycle"]["preStop"]["exec"]["command"][1]) < pod["terminationGracePeriodSeconds"]


@pytest.mark.parametrize("which", ["default", "max"])
def test_probes_and_ports_follow_the_cli_contract(which):
    for dep, _pod, ctr in containers(which):
        name = dep["metadata"]["labels"]["app.kubernetes.io/component"]
        assert ctr["command"] == ["connectors"]
        args = check_argv(ctr["args"])
        assert (args.command, args.name, args.host) == ("serve", name, "0.0.0.0")
        assert args.port == DEFAULT_PORTS[name] == ctr["ports"][0]["containerPort"]
        assert ctr["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert ctr["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert ctr["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_allow_unauthenticated_only_when_values_say_so():
    for _, _, ctr in containers("default"):
        assert "--allow-unauthenticated" not in ctr["args"]
        assert not any(k.endswith("_ALLOW_UNAUTHENTICATED") for k in (e["name"] for e in ctr.get("env", [])))
    for _, _, ctr in containers("max"):
        assert ctr["args"][-1] == "--allow-unauthenticated"
        assert check_argv(ctr["args"]).allow_unauthenticated


def test_secrets_by_reference_files_or_env():
    docs = rendered("max")
    by_name = {d["metadata"]["name"]: d for d in of_kind(docs, "Deployment")}
    jira = by_name["ec-jira"]["spec"]["template"]["spec"]
    vol = next(v for v in jira["volumes"] if v["name"] == "credentials")
    assert vol["secret"]["secretName"] == "jira-credentials"
    assert vol["secret"]["items"] == [{"key": "jira_api_token", "path": "jira_api_token"}]
    mount = next(m for m in jira["containers"][0]["volumeMounts"] if m["name"] == "credentials")
    assert mount == {"name": "credentials", "mountPath": "/run/secrets", "readOnly": True}
    conf = by_name["ec-confluence"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in conf["env"]}
    assert env["CONFLUENCE_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "confluence-credentials",
        "key": "confluence_api_token",
    }
    assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == "connectors-backends"
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "database_url"
    # no secret value ever lands in a ConfigMap
    for cm in of_kind(docs, "ConfigMap"):
        assert not any(k.endswith(("_API_TOKEN", "_PAT")) for k in cm["data"])
        assert cm["data"]["CONNECTORS_SECRETS_DIR"] == "/run/secrets"


def test_configmap_carries_the_prefixed_settings():
    cms = {c["metadata"]["name"]: c["data"] for c in of_kind(rendered("max"), "ConfigMap")}
    jira = cms["ec-jira"]
    assert jira["JIRA_URL"] == "https://acme.atlassian.net"
    assert jira["JIRA_READ_ONLY"] == "true"
    assert jira["JIRA_TOOLSETS"] == "issues,sprints"
    assert jira["JIRA_CACHE_TTL"] == "60"
    hosts = jira["JIRA_ALLOWED_HOSTS"].split(",")
    assert hosts[0] == "jira.mcp.acme.example"
    assert f"ec-jira.{NAMESPACE}.svc" in hosts and "ec-jira" in hosts
    assert not any(":" in h for h in hosts) and "jira.internal.acme.example" in hosts
    assert cms["ec-confluence"]["CONFLUENCE_URL"].endswith("/wiki")


def test_ingress_publishes_only_mcp_and_the_sign_in_paths_over_tls():
    without_sign_in = {"connectors": {"jira": {"ingress": {"enabled": True, "host": "jira.mcp.acme.example"}}}}
    (ing,) = of_kind(render(without_sign_in), "Ingress")
    assert [p["path"] for p in ing["spec"]["rules"][0]["http"]["paths"]] == ["/mcp"]
    for ing in of_kind(rendered("max"), "Ingress"):  # sign-in on: the authorization server's paths too, never /metrics
        rule = ing["spec"]["rules"][0]
        assert [p["path"] for p in rule["http"]["paths"]] == ["/mcp", *BUILTIN_PATHS]
        assert ing["spec"]["tls"][0]["hosts"] == [rule["host"]]
    tls = {i["metadata"]["name"]: i["spec"]["tls"][0]["secretName"] for i in of_kind(rendered("max"), "Ingress")}
    assert tls == {
        "ec-jira": "ec-jira-tls",
        "ec-confluence": "confluence-mcp-tls",
        "ec-storage": "ec-storage-tls",
        "ec-mail": "ec-mail-tls",
    }


def test_hpa_owns_replicas_and_pdb_exists():
    docs = rendered("max")
    for dep in of_kind(docs, "Deployment"):
        assert "replicas" not in dep["spec"]
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    assert all(p["spec"]["minAvailable"] == 2 for p in of_kind(docs, "PodDisruptionBudget"))
    assert all(d["spec"]["replicas"] == 2 for d in of_kind(rendered("default"), "Deployment"))


def test_network_policy_limits_ingress_to_the_server_port():
    for np in of_kind(rendered("max"), "NetworkPolicy"):
        assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
        assert np["spec"]["ingress"][0]["ports"] == [{"port": "http", "protocol": "TCP"}]
        assert len(np["spec"]["egress"]) == 3  # DNS, listed ports, one extra rule


def test_service_monitor_scrapes_metrics():
    for sm in of_kind(rendered("max"), "ServiceMonitor"):
        assert sm["spec"]["endpoints"][0]["path"] == "/metrics"
        assert sm["metadata"]["labels"]["release"] == "kube-prometheus-stack"


# ---------------------------------------------------------------- values.schema.json


BAD_VALUES = {
    "unknown connector": (
        {"connectors": {"github": {"enabled": True, "port": 8009}}},
        ["/connectors", "additional properties 'github' not allowed"],
    ),
    "port above range": (
        {"connectors": {"jira": {"port": 70000}}},
        ["/connectors/jira/port", "maximum"],
    ),
    "privileged port": (
        {"connectors": {"jira": {"port": 80}}},
        ["/connectors/jira/port", "minimum"],
    ),
    "enabled without existingSecret": (
        {"connectors": {"confluence": {"enabled": True, "url": "https://acme.atlassian.net/wiki"}}},
        ["/connectors/confluence/credentials/existingSecret", "minLength"],
    ),
    "enabled without url": (
        {"connectors": {"confluence": {"enabled": True, "credentials": {"existingSecret": "c"}}}},
        ["/connectors/confluence/url", "does not match pattern"],
    ),
    "ingress host with scheme": (
        {"connectors": {"jira": {"ingress": {"enabled": True, "host": "https://jira.example.com"}}}},
        ["/connectors/jira/ingress/host", "'https://jira.example.com' does not match pattern"],
    ),
    "ingress host not a DNS name": (
        {"connectors": {"jira": {"ingress": {"enabled": True, "host": "Jira_MCP"}}}},
        ["/connectors/jira/ingress/host", "'Jira_MCP' does not match pattern"],
    ),
    "writable root filesystem": (
        {"defaults": {"securityContext": {"readOnlyRootFilesystem": False}}},
        ["/defaults/securityContext/readOnlyRootFilesystem", "value must be true"],
    ),
    "env credentials without keys": (
        {"connectors": {"jira": {"credentials": {"existingSecret": "j", "mountAs": "env"}}}},
        ["/connectors/jira/credentials/keys", "minItems"],
    ),
    "typo in a key": (
        {"connectors": {"jira": {"replicas": 3}}},
        ["/connectors/jira", "additional properties 'replicas' not allowed"],
    ),
    "bad image digest": (
        {"image": {"repository": "r", "digest": "latest"}},
        ["/image/digest", "does not match pattern"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_schema_rejects_bad_values_with_a_clear_message(case):
    values, fragments = BAD_VALUES[case]
    message = schema_error(values)
    for fragment in fragments:
        assert fragment in message, message


def test_schema_accepts_both_shipped_values_files():
    chart().validate_schema(chart().merge_values(None))
    chart().validate_schema(chart().merge_values(max_values()))


def test_render_fails_clearly_on_rules_the_schema_cannot_express():
    no_host = {"connectors": {"jira": {"ingress": {"enabled": True}}}}
    with pytest.raises(helm.HelmError, match=r"connectors.jira.ingress.host is required"):
        chart().render(no_host, name="rel", namespace=NAMESPACE)
    token_over_secrets = {"defaults": {"serviceAccount": {"automountToken": True}}}
    with pytest.raises(helm.HelmError, match=r"credentials.mountPath outside /run/secrets"):
        chart().render(token_over_secrets, name="rel", namespace=NAMESPACE)


def test_defaults_and_connector_entries_share_the_same_tuning_schema():
    schema = json.loads((CHART / "values.schema.json").read_text())
    tuning = schema["definitions"]["defaults"]["properties"]
    connector = schema["definitions"]["connector"]["properties"]
    for key, sub in tuning.items():
        assert connector.get(key) == sub, f"schema for {key!r} differs between defaults and connector"
    assert set(tuning) <= set(yaml.safe_load((CHART / "values.yaml").read_text())["defaults"])


def test_connector_override_merges_over_defaults():
    values = copy.deepcopy(max_values())
    values["connectors"]["jira"]["autoscaling"] = {"enabled": False}
    values["connectors"]["jira"]["replicaCount"] = 4
    docs = render(values)
    deps = {d["metadata"]["name"]: d for d in of_kind(docs, "Deployment")}
    assert deps["ec-jira"]["spec"]["replicas"] == 4  # false overrides a true default
    assert "replicas" not in deps["ec-confluence"]["spec"]
    jira = deps["ec-jira"]["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert jira == {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "192Mi"}}


# ---------------------------------------------------------------- per-user sign-in

SIGN_IN = {
    "auth": {"signIn": {"enabled": True, "vaultKeys": {"existingSecret": "connectors-vault"}}},
    "connectors": {
        "jira": {
            "ingress": {"enabled": True, "host": "jira.mcp.acme.example"},
            "signIn": {
                "upstreamClientId": "atlassian-app",
                "upstreamSiteUrl": "https://acme.atlassian.net",
                "upstreamClientSecret": {"existingSecret": "atlassian-app"},
            },
        }
    },
}


def test_sign_in_values_configure_the_authorization_server_with_secrets_by_reference():
    docs = render(SIGN_IN)
    (cm,) = [c["data"] for c in of_kind(docs, "ConfigMap")]  # jira only, as in the default values
    assert cm["AUTH_PUBLIC_URL"] == "https://jira.mcp.acme.example" and cm["AUTH_UPSTREAM_KIND"] == "atlassian"
    assert cm["AUTH_UPSTREAM_CLIENT_ID"] == "atlassian-app" and cm["AUTH_UPSTREAM_SITE_URL"].startswith("https://")
    assert not any(k in cm for k in ("VAULT_KEYS", "AUTH_UPSTREAM_CLIENT_SECRET"))
    (deployment,) = of_kind(docs, "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["VAULT_KEYS"]["valueFrom"]["secretKeyRef"] == {"name": "connectors-vault", "key": "vault_keys"}
    assert env["AUTH_UPSTREAM_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "atlassian-app"
    assert "--allow-unauthenticated" not in container["args"]  # sign-in is what lets it listen publicly
    (ingress,) = of_kind(docs, "Ingress")
    paths = [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]]
    assert {"/mcp", "/.well-known", "/authorize", "/token", "/register", "/oauth"} <= set(paths)


def test_sign_in_without_its_secrets_fails_clearly():
    no_vault = copy.deepcopy(SIGN_IN)
    no_vault["auth"]["signIn"]["vaultKeys"]["existingSecret"] = ""
    with pytest.raises(helm.HelmError, match=r"auth.signIn.vaultKeys.existingSecret is required"):
        chart().render(no_vault, name="rel", namespace=NAMESPACE)
    no_app = copy.deepcopy(SIGN_IN)
    no_app["connectors"]["jira"]["signIn"]["upstreamClientId"] = ""
    with pytest.raises(helm.HelmError, match=r"signIn.upstreamClientId"):
        chart().render(no_app, name="rel", namespace=NAMESPACE)


# ---------------------------------------------------------------- sign-in: every mode, every connector


def pod_env(docs: list[dict], name: str) -> dict[str, dict]:
    (dep,) = [d for d in of_kind(docs, "Deployment") if d["metadata"]["labels"]["app.kubernetes.io/component"] == name]
    return {e["name"]: e for e in dep["spec"]["template"]["spec"]["containers"][0].get("env", [])}


def config(docs: list[dict], name: str) -> dict[str, str]:
    (cm,) = [d for d in of_kind(docs, "ConfigMap") if d["metadata"]["labels"]["app.kubernetes.io/component"] == name]
    return cm["data"]


def secret_ref(env: dict[str, dict], variable: str) -> dict[str, str]:
    return env[variable]["valueFrom"]["secretKeyRef"]


def validate_all(docs: list[dict]) -> None:
    for doc in docs:
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def render_fails(values: dict, message: str) -> None:
    chart().validate_schema(chart().merge_values(values))  # the schema accepts it: the template explains
    with pytest.raises(helm.HelmError, match=message):
        chart().render(values, name="rel", namespace=NAMESPACE)


VAULT = {"existingSecret": "connectors-vault"}
STORAGE_SIGN_IN = {
    "auth": {"signIn": {"enabled": True, "vaultKeys": VAULT}},
    "connectors": {
        "jira": {"enabled": False},
        "storage": {
            "enabled": True,  # no credentials Secret: with sign-in the server acts with each person's tokens
            "settings": {"PROVIDERS": "google-drive,onedrive"},
            "ingress": {"enabled": True, "host": "storage.mcp.acme.example"},
            "signIn": {
                "google": {
                    "clientId": "123.apps.googleusercontent.com",
                    "hostedDomain": "acme.example",
                    "clientSecret": {"existingSecret": "google-oauth"},
                },
                "microsoft": {
                    "clientId": "entra-app-id",
                    "tenant": "acme.onmicrosoft.com",
                    "clientSecret": {"existingSecret": "entra-app", "key": "secret"},
                },
            },
        },
    },
}


def test_storage_signs_in_with_google_and_microsoft_secrets_by_reference():
    docs = render(STORAGE_SIGN_IN)
    validate_all(docs)
    cm = config(docs, "storage")
    assert cm["AUTH_PUBLIC_URL"] == "https://storage.mcp.acme.example" and cm["AUTH_MODE"] == "builtin"
    assert cm["AUTH_GOOGLE_CLIENT_ID"] == "123.apps.googleusercontent.com"
    assert cm["AUTH_GOOGLE_HOSTED_DOMAIN"] == "acme.example"
    assert (cm["AUTH_MICROSOFT_CLIENT_ID"], cm["AUTH_MICROSOFT_TENANT"]) == ("entra-app-id", "acme.onmicrosoft.com")
    assert not any(
        k.startswith(("AUTH_UPSTREAM_", "AUTH_EXTERNAL_", "AUTH_ID_JAG_")) or k.endswith("_SECRET") for k in cm
    )
    env = pod_env(docs, "storage")
    assert secret_ref(env, "VAULT_KEYS") == {"name": "connectors-vault", "key": "vault_keys"}
    assert secret_ref(env, "AUTH_GOOGLE_CLIENT_SECRET") == {"name": "google-oauth", "key": "auth_google_client_secret"}
    assert secret_ref(env, "AUTH_MICROSOFT_CLIENT_SECRET") == {"name": "entra-app", "key": "secret"}
    pod = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["tmp"]  # no credentials Secret to mount
    (ingress,) = of_kind(docs, "Ingress")
    assert [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]] == ["/mcp", *BUILTIN_PATHS]


def test_the_chart_settings_are_what_the_server_reads(monkeypatch, tmp_path):
    """The rendered ConfigMap plus the secret env (values standing in for the Secrets) through the server's loaders."""
    from shared.auth.setup import load_sign_in_settings
    from shared.auth.upstreams import GoogleSignInSettings, MicrosoftSignInSettings

    docs = render(STORAGE_SIGN_IN)
    for name in [n for n in os.environ if n.startswith(("AUTH_", "VAULT_", "DATABASE_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(tmp_path / "none"))
    for name, value in config(docs, "storage").items():
        monkeypatch.setenv(name, value)
    fake = {"VAULT_KEYS": "k1:" + base64.b64encode(bytes(32)).decode()}
    for name in pod_env(docs, "storage"):
        monkeypatch.setenv(name, fake.get(name, f"secret-of-{name}"))
    settings = load_sign_in_settings(generic_upstream=False)
    assert settings.mode == "builtin" and settings.resource_url == "https://storage.mcp.acme.example/mcp"
    google, microsoft = GoogleSignInSettings(), MicrosoftSignInSettings()
    assert (google.client_id, google.hosted_domain) == ("123.apps.googleusercontent.com", "acme.example")
    assert google.client_secret.get_secret_value() == "secret-of-AUTH_GOOGLE_CLIENT_SECRET"
    assert (microsoft.client_id, microsoft.tenant) == ("entra-app-id", "acme.onmicrosoft.com")
    assert microsoft.client_secret.get_secret_value() == "secret-of-AUTH_MICROSOFT_CLIENT_SECRET"


def test_mail_with_gmail_only_needs_only_the_google_login():
    values = copy.deepcopy(STORAGE_SIGN_IN)
    values["connectors"]["mail"] = values["connectors"].pop("storage")
    values["connectors"]["mail"]["settings"] = {"PROVIDERS": "gmail"}
    del values["connectors"]["mail"]["signIn"]["microsoft"]
    env = pod_env(render(values), "mail")
    assert "AUTH_GOOGLE_CLIENT_SECRET" in env and "AUTH_MICROSOFT_CLIENT_SECRET" not in env


def test_storage_sign_in_names_the_login_its_providers_need():
    values = copy.deepcopy(STORAGE_SIGN_IN)
    del values["connectors"]["storage"]["signIn"]["microsoft"]
    render_fails(values, r"connectors.storage: settings.PROVIDERS needs the microsoft login: set signIn.microsoft")
    values["connectors"]["storage"]["settings"]["PROVIDERS"] = "google-drive"
    assert "AUTH_MICROSOFT_CLIENT_ID" not in config(render(values), "storage")
    values["connectors"]["storage"]["signIn"]["upstreamClientId"] = "atlassian-app"
    render_fails(values, r"connectors.storage signs people in with Google or Microsoft: use signIn.google")
    jira = copy.deepcopy(SIGN_IN)
    jira["connectors"]["jira"]["signIn"]["google"] = {"clientId": "x"}
    render_fails(jira, r"connectors.jira signs people in with Atlassian")


EXTERNAL = {
    "auth": {
        "signIn": {
            "enabled": True,
            "mode": "external",
            "external": {
                "issuer": "https://login.acme.example",
                "jwksUrl": "https://login.acme.example/keys",
                "audience": "api://jira-mcp",
            },
        }
    },
    "connectors": {"jira": {"ingress": {"enabled": True, "host": "jira.mcp.acme.example"}}},
}


def test_external_mode_trusts_the_company_idp_without_a_vault():
    docs = render(EXTERNAL)
    validate_all(docs)
    cm = config(docs, "jira")
    assert cm["AUTH_MODE"] == "external" and cm["AUTH_EXTERNAL_ISSUER"] == "https://login.acme.example"
    assert cm["AUTH_EXTERNAL_JWKS_URL"] == "https://login.acme.example/keys"
    assert cm["AUTH_EXTERNAL_AUDIENCE"] == "api://jira-mcp"
    assert "AUTH_UPSTREAM_CLIENT_ID" not in cm
    env = pod_env(docs, "jira")
    assert not any(name.startswith(("VAULT_", "AUTH_")) for name in env)  # nothing secret to sign people in
    (ingress,) = of_kind(docs, "Ingress")  # no authorization server of ours: metadata and link pages only
    assert [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]] == ["/mcp", "/.well-known", "/oauth"]


def test_external_mode_with_link_pages_takes_the_vault_and_the_upstream_app():
    values = copy.deepcopy(EXTERNAL)
    values["auth"]["signIn"]["vaultKeys"] = VAULT
    values["connectors"]["jira"]["signIn"] = copy.deepcopy(SIGN_IN["connectors"]["jira"]["signIn"])
    docs = render(values)
    assert config(docs, "jira")["AUTH_UPSTREAM_CLIENT_ID"] == "atlassian-app"
    env = pod_env(docs, "jira")
    assert secret_ref(env, "VAULT_KEYS")["name"] == "connectors-vault"
    assert secret_ref(env, "AUTH_UPSTREAM_CLIENT_SECRET") == {
        "name": "atlassian-app",
        "key": "auth_upstream_client_secret",
    }
    values["connectors"]["jira"]["signIn"]["upstreamClientSecret"] = {"existingSecret": ""}
    render_fails(values, r"connectors.jira: sign-in needs signIn.upstreamClientId and signIn.upstreamClientSecret")


def test_external_mode_needs_the_issuer_and_the_jwks():
    values = copy.deepcopy(EXTERNAL)
    values["auth"]["signIn"]["external"]["jwksUrl"] = ""
    render_fails(
        values, r"auth.signIn.mode=external needs auth.signIn.external.issuer and auth.signIn.external.jwksUrl"
    )


ID_JAG = {
    "issuer": "https://idp.acme.example",
    "jwksUrl": "https://idp.acme.example/keys",
    "name": "acme",
    "clientId": "acme-agents",
    "clientSecret": {"existingSecret": "idp-agents"},
}


def test_identity_assertions_are_configured_with_their_client_secret_by_reference():
    values = copy.deepcopy(SIGN_IN)
    values["auth"]["signIn"]["identityAssertions"] = copy.deepcopy(ID_JAG)
    docs = render(values)
    validate_all(docs)
    cm = config(docs, "jira")
    assert (cm["AUTH_ID_JAG_ISSUER"], cm["AUTH_ID_JAG_JWKS_URL"]) == (ID_JAG["issuer"], ID_JAG["jwksUrl"])
    assert (cm["AUTH_ID_JAG_NAME"], cm["AUTH_ID_JAG_CLIENT_ID"]) == ("acme", "acme-agents")
    assert "AUTH_ID_JAG_CLIENT_SECRET" not in cm
    env = pod_env(docs, "jira")
    assert secret_ref(env, "AUTH_ID_JAG_CLIENT_SECRET") == {"name": "idp-agents", "key": "auth_id_jag_client_secret"}


def test_identity_assertions_fail_clearly_when_incomplete_or_in_external_mode():
    values = copy.deepcopy(SIGN_IN)
    values["auth"]["signIn"]["identityAssertions"] = copy.deepcopy(ID_JAG) | {"clientSecret": {"existingSecret": ""}}
    render_fails(values, r"identityAssertions.issuer is set: set its jwksUrl, clientId and clientSecret.existingSecret")
    values["auth"]["signIn"]["identityAssertions"] = {"clientId": "acme-agents"}
    render_fails(values, r"auth.signIn.identityAssertions: set issuer")
    external = copy.deepcopy(EXTERNAL)
    external["auth"]["signIn"]["identityAssertions"] = copy.deepcopy(ID_JAG)
    render_fails(external, r"auth.signIn.identityAssertions needs auth.signIn.mode=builtin")


def test_max_values_exercise_every_sign_in_setting():
    docs = rendered("max")
    schema = json.loads((CHART / "values.schema.json").read_text())
    chart_wide = set(schema["properties"]["auth"]["properties"]["signIn"]["properties"])
    assert set(max_values()["auth"]["signIn"]) == chart_wide - {"external"}  # external excludes ID-JAG: see above
    assert set(max_values()["auth"]["signIn"]["identityAssertions"]) == set(ID_JAG)
    for name in ("jira", "confluence"):
        env, cm = pod_env(docs, name), config(docs, name)
        assert cm["AUTH_UPSTREAM_KIND"] == "atlassian" and cm["AUTH_UPSTREAM_CLIENT_ID"] == f"atlassian-{name}-app"
        assert secret_ref(env, "AUTH_UPSTREAM_CLIENT_SECRET") == {
            "name": "atlassian-apps",
            "key": f"{name}_client_secret",
        }
    assert config(docs, "jira")["AUTH_UPSTREAM_SITE_URL"] == "https://acme.atlassian.net"
    confluence = config(docs, "confluence")  # a public origin of its own: accepted as a Host too
    assert confluence["AUTH_PUBLIC_URL"] == "https://wiki.mcp.acme.example"
    assert "wiki.mcp.acme.example" in confluence["CONFLUENCE_ALLOWED_HOSTS"].split(",")
    for name in ("storage", "mail"):
        env, cm = pod_env(docs, name), config(docs, name)
        assert (
            cm["AUTH_GOOGLE_CLIENT_ID"] == f"123-{name}.apps.googleusercontent.com" and "AUTH_MICROSOFT_CLIENT_ID" in cm
        )
        assert {"AUTH_GOOGLE_CLIENT_SECRET", "AUTH_MICROSOFT_CLIENT_SECRET"} <= set(env)
        assert not any(k.startswith("AUTH_UPSTREAM_") for k in cm)
    assert config(docs, "storage")["AUTH_MICROSOFT_TENANT"] == "acme.onmicrosoft.com"
    for name in AVAILABLE_CONNECTORS:
        env, cm = pod_env(docs, name), config(docs, name)
        assert secret_ref(env, "VAULT_KEYS") == {"name": "connectors-vault", "key": "vault_keys"}
        assert secret_ref(env, "AUTH_ID_JAG_CLIENT_SECRET") == {"name": "idp-agents", "key": "client_secret"}
        assert cm["AUTH_ID_JAG_ISSUER"] == "https://idp.acme.example" and cm["AUTH_MODE"] == "builtin"
        assert cm["AUTH_REDIRECT_URI_PATTERNS"].count(",") == 1
        assert not any(k == "VAULT_KEYS" or k.endswith("_SECRET") for k in cm)


def test_the_rules_cronjob_carries_the_sign_in_secrets_of_its_connector():
    values = copy.deepcopy(STORAGE_SIGN_IN)
    values["database"] = {"url": "postgresql://connectors@postgres:5432/connectors"}
    values["rules"] = {"cronJob": {"enabled": True, "connector": "storage"}}
    (job,) = of_kind(render(values), "CronJob")
    kubernetes_validate.validate(job, kubernetes_validate.latest_version(), strict=True)
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert {"VAULT_KEYS", "AUTH_GOOGLE_CLIENT_SECRET", "AUTH_MICROSOFT_CLIENT_SECRET"} <= set(env)


SIGN_IN_BAD_VALUES = {
    "unknown mode": ({"auth": {"signIn": {"mode": "oidc"}}}, ["/auth/signIn/mode"]),
    "jwks not a URL": (
        {"auth": {"signIn": {"external": {"jwksUrl": "login.acme.example"}}}},
        ["/auth/signIn/external/jwksUrl", "does not match pattern"],
    ),
    "typo in the Google block": (
        {"connectors": {"storage": {"signIn": {"google": {"clientID": "x"}}}}},
        ["/connectors/storage/signIn/google", "additional properties 'clientID' not allowed"],
    ),
    "secret key with a slash": (
        {"auth": {"signIn": {"identityAssertions": {"clientSecret": {"key": "a/b"}}}}},
        ["/auth/signIn/identityAssertions/clientSecret/key", "does not match pattern"],
    ),
}


@pytest.mark.parametrize("case", sorted(SIGN_IN_BAD_VALUES))
def test_schema_rejects_bad_sign_in_values(case):
    values, fragments = SIGN_IN_BAD_VALUES[case]
    message = schema_error(values)
    for fragment in fragments:
        assert fragment in message, message


def test_credentials_are_required_only_without_sign_in():
    no_credentials = {"connectors": {"storage": {"enabled": True}}}
    assert "/connectors/storage/credentials/existingSecret" in schema_error(no_credentials)
    chart().validate_schema(chart().merge_values(STORAGE_SIGN_IN))
