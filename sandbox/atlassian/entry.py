"""The Atlassian site sandbox as the `connectors` CLI sees it (entry point)."""

from shared.connector import Sandbox

from .users import DEMO_TOKEN, DEMO_USER


def _create_app(latency_ms: int = 0):
    from .app import create_app

    return create_app(latency_ms=latency_ms)


def sign_in_env(base_url: str) -> dict[str, str]:
    """The sandbox's OAuth 2.0 (3LO) app, standing in for auth.atlassian.com and api.atlassian.com."""
    return {
        "AUTH_UPSTREAM_KIND": "atlassian",
        "AUTH_UPSTREAM_CLIENT_ID": "sandbox-atlassian-client",
        "AUTH_UPSTREAM_CLIENT_SECRET": "sandbox-atlassian-secret",
        "AUTH_UPSTREAM_AUTH_BASE": base_url,
        "AUTH_UPSTREAM_API_BASE": base_url,
        "AUTH_UPSTREAM_SCOPES": "read:me,offline_access",
    }


SANDBOX = Sandbox(
    name="atlassian",
    title="Atlassian Cloud site (Jira, Confluence)",
    default_port=9100,
    create_app=_create_app,
    demo_login={"email": DEMO_USER, "token": DEMO_TOKEN},
    sign_in_env=sign_in_env,
    sign_in_people="alice@example.com / password-alice (everything), mallory@example.com / password-mallory "
    "(cannot see the OPS project nor the HR space); every sandbox person signs in as <name>@example.com / "
    "password-<name>",
)
