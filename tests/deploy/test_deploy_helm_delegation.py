"""The Helm chart's enterprise mode without a per-person login: storage and mail acting for people by delegation
(signIn.google.serviceAccount: Google's domain-wide delegation; signIn.microsoft.onBehalfOf: Entra's on-behalf-of).
The key file is mounted read-only from a Secret, secrets stay references, and what the server would refuse (delegation
in builtin mode, for some providers only, without the Entra app) fails the render with the value to set."""

from __future__ import annotations

import copy
import os

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from deploy_support import CHART
from test_deploy_helm import (
    NAMESPACE,
    chart,
    config,
    of_kind,
    pod_env,
    render,
    render_fails,
    schema_error,
    secret_ref,
)

DELEGATION_VALUES = CHART / "ci" / "delegation-values.yaml"
KEY_FILE = "/run/google-service-account/service-account.json"
TENANT = "11111111-2222-3333-4444-555555555555"
APP = "66666666-7777-8888-9999-000000000000"


def delegation() -> dict:
    return yaml.safe_load(DELEGATION_VALUES.read_text())


def pod_of(docs: list[dict], name: str) -> dict:
    (dep,) = [d for d in of_kind(docs, "Deployment") if d["metadata"]["labels"]["app.kubernetes.io/component"] == name]
    return dep["spec"]["template"]["spec"]


def key_volume(pod: dict) -> tuple[dict, dict]:
    """The service account key's volume and the container's mount of it."""
    (volume,) = [v for v in pod["volumes"] if v["name"] == "google-service-account"]
    (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "google-service-account"]
    return volume, mount


def test_the_delegation_values_lint_clean_and_validate_against_kubernetes():
    report = helm.lint(CHART, delegation(), kube_version="v1.30.0", namespace=NAMESPACE)
    assert not report["errors"] and not [m for m in report["messages"] if m["severity"] >= 2], report
    for doc in render(delegation()):
        for version in ("1.27.0", kubernetes_validate.latest_version()):  # the oldest supported and the newest
            kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("name", ["storage", "mail"])
def test_the_service_account_key_is_a_read_only_file_and_obo_is_on(name):
    docs = render(delegation())
    cm = config(docs, name)
    assert cm["AUTH_MODE"] == "external"
    assert cm["AUTH_GOOGLE_SERVICE_ACCOUNT_FILE"] == KEY_FILE
    assert cm["AUTH_MICROSOFT_OBO"] == "true"
    assert (cm["AUTH_MICROSOFT_CLIENT_ID"], cm["AUTH_MICROSOFT_TENANT"]) == (
        "66666666-7777-8888-9999-000000000000",
        TENANT,
    )
    assert "AUTH_GOOGLE_CLIENT_ID" not in cm  # no Google login: the service account acts
    assert not any(k.endswith(("_SECRET", "_KEY")) or k == "VAULT_KEYS" for k in cm)
    pod = pod_of(docs, name)
    volume, mount = key_volume(pod)
    assert volume["secret"] == {
        "secretName": "google-delegation",
        "defaultMode": 0o440,  # readable by the pod's group only, as the credentials Secret
        "items": [{"key": "service-account.json", "path": "service-account.json"}],
    }
    assert mount == {"name": "google-service-account", "mountPath": os.path.dirname(KEY_FILE), "readOnly": True}
    assert os.path.join(mount["mountPath"], volume["secret"]["items"][0]["path"]) == KEY_FILE
    assert pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    env = pod_env(docs, name)
    assert secret_ref(env, "AUTH_MICROSOFT_CLIENT_SECRET") == {"name": "entra-app", "key": "client_secret"}
    assert set(env) == {"AUTH_MICROSOFT_CLIENT_SECRET"}  # no vault, no Google client secret
    (ingress,) = [i for i in of_kind(docs, "Ingress") if i["metadata"]["labels"]["app.kubernetes.io/component"] == name]
    assert [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]] == ["/mcp", "/.well-known", "/oauth"]


def test_the_key_is_mounted_from_the_secret_key_given():
    values = delegation()
    values["connectors"]["storage"]["signIn"]["google"]["serviceAccount"]["key"] = "drive-delegation.json"
    volume, _ = key_volume(pod_of(render(values), "storage"))
    assert volume["secret"]["items"] == [{"key": "drive-delegation.json", "path": "service-account.json"}]


def test_the_delegation_settings_are_what_the_server_reads(monkeypatch, tmp_path):
    """The rendered ConfigMap plus the secret env (values standing in for the Secrets) through the server's loaders."""
    from shared.auth.setup import load_sign_in_settings
    from shared.auth.upstreams import google_settings, microsoft_settings

    docs = render(delegation())
    for name in [n for n in os.environ if n.startswith(("AUTH_", "VAULT_", "DATABASE_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(tmp_path / "none"))
    for name, value in config(docs, "storage").items():
        monkeypatch.setenv(name, value)
    for name in pod_env(docs, "storage"):
        monkeypatch.setenv(name, f"secret-of-{name}")
    settings = load_sign_in_settings(generic_upstream=False)
    assert settings.mode == "external" and settings.external_audience == APP
    assert google_settings().service_account_file == KEY_FILE
    microsoft = microsoft_settings()
    assert microsoft.obo is True and microsoft.tenant == TENANT
    assert microsoft.client_secret.get_secret_value() == "secret-of-AUTH_MICROSOFT_CLIENT_SECRET"


def test_mail_with_gmail_only_needs_only_the_service_account():
    values = delegation()
    mail = values["connectors"]["mail"]
    mail["settings"]["PROVIDERS"] = "gmail"
    del mail["signIn"]["microsoft"]
    docs = render(values)
    cm = config(docs, "mail")
    assert cm["AUTH_GOOGLE_SERVICE_ACCOUNT_FILE"] == KEY_FILE and "AUTH_MICROSOFT_OBO" not in cm
    assert "AUTH_MICROSOFT_CLIENT_SECRET" not in pod_env(docs, "mail")
    key_volume(pod_of(docs, "mail"))


def test_outlook_only_needs_only_on_behalf_of():
    values = delegation()
    mail = values["connectors"]["mail"]
    mail["settings"]["PROVIDERS"] = "outlook"
    del mail["signIn"]["google"]
    docs = render(values)
    assert "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE" not in config(docs, "mail")
    assert [v["name"] for v in pod_of(docs, "mail")["volumes"]] == ["tmp"]


def test_delegation_in_builtin_mode_fails_clearly():
    values = delegation()
    values["auth"]["signIn"] = {"enabled": True, "vaultKeys": {"existingSecret": "connectors-vault"}}
    render_fails(
        values,
        r"connectors.(mail|storage): signIn.google.serviceAccount and signIn.microsoft.onBehalfOf act for people by "
        r"delegation, which needs auth.signIn.mode=external",
    )


def test_delegation_for_some_providers_only_fails_naming_the_missing_one():
    values = delegation()
    values["connectors"]["storage"]["signIn"]["microsoft"]["onBehalfOf"] = False
    render_fails(
        values,
        r"connectors.storage acts for people by delegation, so every provider of settings.PROVIDERS needs it: "
        r"set signIn.microsoft.onBehalfOf: true",
    )
    values = delegation()
    values["connectors"]["mail"]["signIn"]["google"]["serviceAccount"]["existingSecret"] = ""
    render_fails(values, r"connectors.mail acts for people by delegation, .*: set signIn.google.serviceAccount")


def test_on_behalf_of_needs_the_entra_app_and_a_tenant_id():
    values = delegation()
    values["connectors"]["storage"]["signIn"]["microsoft"]["clientSecret"]["existingSecret"] = ""
    render_fails(values, r"connectors.storage: signIn.microsoft.onBehalfOf needs signIn.microsoft.clientId and")
    values = delegation()
    values["connectors"]["storage"]["signIn"]["microsoft"]["clientId"] = ""
    render_fails(values, r"signIn.microsoft.onBehalfOf needs signIn.microsoft.clientId")
    values = delegation()
    values["connectors"]["storage"]["signIn"]["microsoft"]["tenant"] = "organizations"
    render_fails(values, r"signIn.microsoft.onBehalfOf needs signIn.microsoft.tenant set to your tenant id")


def test_the_rules_cronjob_of_a_delegating_connector_mounts_the_key_too():
    values = delegation()
    values["database"] = {"url": "postgresql://connectors@postgres:5432/connectors"}
    values["rules"] = {"cronJob": {"enabled": True, "connector": "mail"}}
    (job,) = of_kind(render(values), "CronJob")
    kubernetes_validate.validate(job, kubernetes_validate.latest_version(), strict=True)
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    volume, mount = key_volume(pod)
    assert volume["secret"]["secretName"] == "google-delegation" and mount["readOnly"] is True


def test_without_delegation_nothing_is_mounted_or_set():
    docs = render(yaml.safe_load((CHART / "ci" / "max-values.yaml").read_text()))
    for name in ("storage", "mail"):
        cm = config(docs, name)
        assert "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE" not in cm and "AUTH_MICROSOFT_OBO" not in cm
        assert "google-service-account" not in str(pod_of(docs, name)["volumes"])


DELEGATION_BAD_VALUES = {
    "onBehalfOf not a boolean": (
        {"connectors": {"storage": {"signIn": {"microsoft": {"onBehalfOf": "yes"}}}}},
        ["/connectors/storage/signIn/microsoft/onBehalfOf", "boolean"],
    ),
    "typo in the service account": (
        {"connectors": {"mail": {"signIn": {"google": {"serviceAccount": {"secret": "x"}}}}}},
        ["/connectors/mail/signIn/google/serviceAccount", "additional properties 'secret' not allowed"],
    ),
    "service account key with a slash": (
        {"connectors": {"mail": {"signIn": {"google": {"serviceAccount": {"key": "a/b.json"}}}}}},
        ["/connectors/mail/signIn/google/serviceAccount/key", "does not match pattern"],
    ),
}


@pytest.mark.parametrize("case", sorted(DELEGATION_BAD_VALUES))
def test_schema_rejects_bad_delegation_values(case):
    values, fragments = DELEGATION_BAD_VALUES[case]
    message = schema_error(copy.deepcopy(values))
    for fragment in fragments:
        assert fragment in message, message


def test_the_schema_accepts_the_delegation_values():
    chart().validate_schema(chart().merge_values(delegation()))
