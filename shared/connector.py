"""What a connector declares, and how the CLI finds connectors and sandboxes.

Connectors and sandboxes register through entry points (see pyproject.toml), so this library
never imports one: `enterprise_connectors.connectors` maps a name to a `Connector`, and
`enterprise_connectors.sandboxes` maps a name to a `Sandbox`. Tests (and plugins loaded in
process) may add more with `register()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

from .credentials import CredentialProvider
from .runtime import Check
from .settings import ServerSettings
from .tools import Tool

__all__ = [
    "Check",
    "Connector",
    "Runtime",
    "Sandbox",
    "SandboxSite",
    "SignInSpec",
    "connectors",
    "installed_connectors",
    "installed_sandboxes",
    "register",
    "sandboxes",
]


class Runtime(Protocol):
    """A configured connector: how it acts for a caller, and what `doctor` checks."""

    credentials: CredentialProvider

    def identity(self) -> str: ...

    async def checks(self) -> list[Check]: ...


@dataclass(frozen=True, kw_only=True)
class SignInSpec:
    """How people sign in to this connector's upstream (used when AUTH_PUBLIC_URL turns sign-in on)."""

    system: str  # our scopes: <system>.read, <system>.write
    # One upstream (the AUTH_UPSTREAM_* login, e.g. Atlassian): our scope -> the upstream scopes asked at its consent.
    upstream_scopes: Mapping[str, Sequence[str]] | None = None
    gateway: str = ""  # Atlassian product whose per-site gateway a person's requests go through (jira, confluence)
    # Several upstreams (storage, mail): (the connector's settings) -> {credential key: upstream}, in login order,
    # e.g. {"google-drive": "google", "onedrive": "microsoft"}. The login chains through each upstream (google:
    # AUTH_GOOGLE_*, microsoft: AUTH_MICROSOFT_*) and the runtime gets one credential whose secret is a JSON
    # object of the person's access tokens by credential key.
    upstreams: Callable[[Any], Mapping[str, str]] | None = None
    scopes_by_upstream: Mapping[str, Mapping[str, Sequence[str]]] | None = None  # upstream -> our scope -> its


@dataclass(frozen=True, kw_only=True)
class Connector:
    name: str
    title: str
    default_port: int  # the one place a connector's port is written; deploy files and tests read it
    settings: type[ServerSettings]
    instructions: str
    tools: Sequence[Tool]  # the whole surface, in tools/list order
    runtime: Callable[..., Runtime]  # (settings, credentials=None) -> runtime
    sandboxes: tuple[str, ...]  # the sandboxes that emulate this connector's upstreams, e.g. ("google", "microsoft")
    sandbox_env: Callable[[Mapping[str, SandboxSite]], dict[str, str]]  # running sandboxes by name -> env for the demo
    tools_budget: int = 10_000  # bytes of the compact JSON tools array in tools/list
    search_example: str = ""  # words the contract suite searches for in the sandbox (search/fetch contract)
    snapshots: Path | None = None  # folder of the tool-surface snapshots (one JSON per tool)
    sign_in: SignInSpec | None = None  # per-user sign-in (OAuth); None: API token / PAT only
    # Toolsets with a tools/list budget of their own (bytes), on top of `tools_budget` for the other tools.
    toolset_budgets: Mapping[str, int] = field(default_factory=dict)
    rules: Any = None  # a `shared.rules.RuleSource`: the conditions and actions its rules may use (None: no rules)

    def env_for(self, urls: Mapping[str, str]) -> dict[str, str]:
        """The environment that points this connector at its running sandboxes (`urls`: sandbox name -> base URL)."""
        boxes = sandboxes()
        return self.sandbox_env({name: SandboxSite(urls[name], boxes[name].demo_login) for name in self.sandboxes})


@dataclass(frozen=True)
class SandboxSite:
    """A running sandbox, as a connector's `sandbox_env` sees it."""

    url: str  # its base URL, e.g. http://127.0.0.1:9100
    login: Mapping[str, str]  # its demo login (the sandbox's `demo_login`)


@dataclass(frozen=True, kw_only=True)
class Sandbox:
    name: str
    title: str
    default_port: int
    create_app: Callable[..., Any]  # (latency_ms=...) -> ASGI app
    demo_login: dict[str, str]  # credentials of the demo user, e.g. {"email": ..., "token": ...}
    tls: Callable[[], tuple[str, str]] | None = None  # () -> (certfile, keyfile) when served over HTTPS
    # Its identity provider, for `connectors demo --auth`: base URL -> AUTH_UPSTREAM_* settings, and who can sign in.
    sign_in_env: Callable[[str], dict[str, str]] | None = None
    sign_in_people: str = ""


_registered: dict[str, dict[str, Any]] = {"connectors": {}, "sandboxes": {}}


def register(item: Connector | Sandbox) -> None:
    """Add a connector or sandbox in process (tests, plugins), beside those found by entry points."""
    kind = "connectors" if isinstance(item, Connector) else "sandboxes"
    _registered[kind][item.name] = item


def _load(group: str) -> dict[str, Any]:
    return {ep.name: ep.load() for ep in sorted(entry_points(group=group), key=lambda ep: ep.name)}


def installed_connectors() -> dict[str, Connector]:
    """The connectors this installation ships (entry points), by port: what the README and deploy files list."""
    found = _load("enterprise_connectors.connectors")
    return dict(sorted(found.items(), key=lambda item: item[1].default_port))


def connectors() -> dict[str, Connector]:
    """Every connector: installed ones and those registered in process."""
    found = installed_connectors() | _registered["connectors"]
    return dict(sorted(found.items(), key=lambda item: item[1].default_port))


def installed_sandboxes() -> dict[str, Sandbox]:
    return _load("enterprise_connectors.sandboxes")


def sandboxes() -> dict[str, Sandbox]:
    return installed_sandboxes() | _registered["sandboxes"]
