"""Each connector's port is written once, in its declaration; compose and the Helm chart agree with it."""

from __future__ import annotations

import yaml
from deploy_support import CHART, DEPLOY, INSTALLED


def _published(compose: dict, service: str) -> set[int]:
    ports = compose["services"][service].get("ports", [])
    return {int(str(p).rsplit(":", 1)[-1]) for p in ports}


def _serve_port(compose: dict, service: str) -> int:
    command = compose["services"][service]["command"]
    return int(command[command.index("--port") + 1])


def test_compose_files_serve_each_connector_on_its_declared_port():
    for name in ("compose.yaml", "compose.prod.yaml"):
        compose = yaml.safe_load((DEPLOY / name).read_text())
        for connector in INSTALLED.values():
            assert _serve_port(compose, connector.name) == connector.default_port, (name, connector.name)
            assert _published(compose, connector.name) == {connector.default_port}, (name, connector.name)


def test_helm_values_give_each_connector_its_declared_port():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for connector in INSTALLED.values():
        assert values["connectors"][connector.name]["port"] == connector.default_port
