"""The Google Workspace sandbox as the `connectors` CLI sees it (entry point)."""

from __future__ import annotations

from typing import Any

from shared.connector import Sandbox

from .tokens import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from .users import DEMO_USER


def sign_in_env(base_url: str) -> dict[str, str]:
    """The sandbox's OAuth client, standing in for accounts.google.com and oauth2.googleapis.com (AUTH_GOOGLE_*)."""
    return {
        "AUTH_GOOGLE_CLIENT_ID": DEMO_CLIENT_ID,
        "AUTH_GOOGLE_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "AUTH_GOOGLE_BASE_URL": base_url,
    }


def _create_app(latency_ms: int = 0) -> Any:
    from .app import create_app

    return create_app(latency_ms=latency_ms)


SANDBOX = Sandbox(
    name="google",
    title="Google Workspace (Drive, Gmail)",
    default_port=9200,
    create_app=_create_app,
    # token: a static access token (never expires); client_id/secret: the sandbox's OAuth client, for the code flow
    demo_login={
        "email": DEMO_USER.email,
        "token": DEMO_USER.static_token,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
    },
    sign_in_env=sign_in_env,
    sign_in_people="alice@example.com (Alice Martin) or bob@example.com (Bob Nguyen): pick the account on the "
    "sandbox's Google page and Allow (no password); their Drives differ",
)
