"""What a connector declares, and how the CLI finds connectors and sandboxes.

Connectors and sandboxes register through entry points (see pyproject.toml), so this library
never imports one: `enterprise_connectors.connectors` maps a name to a `Connector`, and
`enterprise_connectors.sandboxes` maps a name to a `Sandbox`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol

from .settings import ServerSettings
from .tools import Tool


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


class Runtime(Protocol):
    """A configured connector: its tools and its view of who is calling."""

    tools: list[Tool]

    def identity(self) -> str: ...

    async def checks(self) -> list[Check]: ...


@dataclass(frozen=True)
class Connector:
    name: str
    title: str
    default_port: int
    settings: type[ServerSettings]
    instructions: str
    runtime: Callable[[Any], Runtime]
    sandbox: str  # the sandbox that emulates this connector's upstream
    sandbox_env: Callable[[str, dict[str, str]], dict[str, str]]  # (base URL, demo login) -> env for the demo


@dataclass(frozen=True)
class Sandbox:
    name: str
    title: str
    default_port: int
    create_app: Callable[..., Any]  # (latency_ms=...) -> ASGI app
    demo_login: dict[str, str]  # credentials of the demo user, e.g. {"email": ..., "token": ...}


def _load(group: str) -> dict[str, Any]:
    return {ep.name: ep.load() for ep in sorted(entry_points(group=group), key=lambda ep: ep.name)}


def connectors() -> dict[str, Connector]:
    found = _load("enterprise_connectors.connectors")
    return dict(sorted(found.items(), key=lambda item: item[1].default_port))


def sandboxes() -> dict[str, Sandbox]:
    return _load("enterprise_connectors.sandboxes")
