"""The Atlassian site sandbox as the `connectors` CLI sees it (entry point)."""

from shared.connector import Sandbox

from .users import DEMO_TOKEN, DEMO_USER


def _create_app(latency_ms: int = 0):
    from .app import create_app

    return create_app(latency_ms=latency_ms)


SANDBOX = Sandbox(
    name="atlassian",
    title="Atlassian Cloud site (Jira, Confluence)",
    default_port=9100,
    create_app=_create_app,
    demo_login={"email": DEMO_USER, "token": DEMO_TOKEN},
)
