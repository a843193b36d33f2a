"""The Echo connector: its declaration and its whole tool surface."""

from collections.abc import Mapping
from pathlib import Path

from shared.connector import Connector, SandboxSite

from . import tools
from .runtime import EchoRuntime
from .settings import EchoSettings

TOOLS = [tools.search, tools.fetch, tools.add_note]


def _sandbox_env(sites: Mapping[str, SandboxSite]) -> dict[str, str]:
    return {"ECHO_URL": sites["echo"].url, "ECHO_TOKEN": sites["echo"].login["token"]}


connector = Connector(
    name="echo",
    title="Echo",
    default_port=8999,
    settings=EchoSettings,
    instructions="Notes of the Echo service. Use search/fetch to read them; echo_add_note adds one.",
    tools=TOOLS,
    runtime=EchoRuntime,
    sandboxes=("echo",),
    sandbox_env=_sandbox_env,
    search_example="checkout",
    snapshots=Path(__file__).parent / "snapshots",
)
