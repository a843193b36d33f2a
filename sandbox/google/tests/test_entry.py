"""The entry point the `connectors` CLI loads."""

from __future__ import annotations

from sandbox.google.testing import drive_service
from shared.connector import sandboxes
from shared.testing import serve_in_thread


def test_the_cli_finds_the_google_sandbox_and_its_demo_login_works() -> None:
    box = sandboxes()["google"]
    assert (box.name, box.default_port) == ("google", 9200)
    assert box.demo_login["email"] == "alice@example.com"
    with serve_in_thread(box.create_app(latency_ms=0), lifespan="off") as url:
        about = drive_service(url, box.demo_login["token"]).about().get(fields="user(emailAddress)").execute()
    assert about == {"user": {"emailAddress": "alice@example.com"}}
