"""Container HEALTHCHECK for the enterprise-connectors image (stdlib only, no curl).

Finds what the container runs by reading the command line of the ``connectors``
process in /proc, derives the port (``--port`` or the connector's default) and
GETs ``/healthz``. Exit 0 = healthy, 1 = unhealthy (Docker's convention).

``CONNECTORS_HEALTHCHECK_URL`` overrides the discovery (e.g. a custom entrypoint).
Kubernetes ignores HEALTHCHECK: the Helm chart uses httpGet probes instead.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

# Keep in sync with the CLI contract (`connectors serve --help`); tests/deploy checks it.
DEFAULT_PORTS = {"jira": 8001, "confluence": 8002, "storage": 8003, "mail": 8004}
SANDBOX_PORT = 9100
TIMEOUT = 4.0
VALUE_OPTIONS = {"--host", "--port"}


def _option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _connect_host(host: str | None) -> str:
    if host in (None, "", "0.0.0.0", "127.0.0.1", "localhost"):
        return "127.0.0.1"
    if host in ("::", "[::]", "::1"):
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def target_from_argv(argv: list[str]) -> tuple[str, bool] | None:
    """(url, strict) for a ``connectors ...`` command line, or None when nothing listens.

    strict: only HTTP 200 is healthy (servers); otherwise any answer below 500 is
    (the sandbox, which has no /healthz contract).
    """
    words, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
    if not words:
        return None
    command = words[0]
    host = _connect_host(_option(argv, "--host"))
    port = _option(argv, "--port")
    if command == "serve" and len(words) > 1:
        if "--stdio" in argv:
            return None
        port = port or str(DEFAULT_PORTS.get(words[1], 0))
        return f"http://{host}:{port}/healthz", True
    if command == "sandbox":
        return f"http://{host}:{port or SANDBOX_PORT}/", False
    if command == "demo":
        return f"http://127.0.0.1:{DEFAULT_PORTS['jira']}/healthz", True
    return None  # doctor, --help, ...: one-shot commands


def discover(proc: Path = Path("/proc")) -> list[str] | None:
    """argv (after the program) of the first ``connectors`` process found in /proc."""
    pids = sorted((p for p in proc.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for pid in pids:
        try:
            argv = (pid / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv]
        for i, arg in enumerate(args[:3]):  # `connectors ...` or `python /opt/venv/bin/connectors ...`
            if os.path.basename(arg) == "connectors":
                return args[i + 1 :]
    return None


def probe(url: str, strict: bool) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (fixed scheme)
            return response.status == 200 or not strict
    except urllib.error.HTTPError as error:
        return not strict and error.code < 500
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    url = os.environ.get("CONNECTORS_HEALTHCHECK_URL")
    strict = True
    if not url:
        argv = discover()
        if argv is None:
            print("healthcheck: no connectors process found", file=sys.stderr)
            return 1
        target = target_from_argv(argv)
        if target is None:
            return 0
        url, strict = target
    healthy = probe(url, strict)
    if not healthy:
        print(f"healthcheck: {url} is not healthy", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
