"""What both benchmarks share: server processes, readiness, percentiles, response capture."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import httpx2

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Proc:
    name: str
    url: str
    popen: subprocess.Popen
    log: Path

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def peak_rss(self) -> int:
        return self._status("VmHWM")

    def cpu_times(self) -> tuple[float, float]:
        """(utime, stime) in seconds of the whole process (all its threads), from /proc/<pid>/stat (Linux)."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def cpu_seconds(self) -> float:
        """User + system CPU time of the whole process."""
        return sum(self.cpu_times())

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


def start_process(
    name: str, cmd: list[str], env: dict[str, str], base: str, probe: str, logdir: Path, timeout: float = 60
) -> Proc:
    """Start `cmd` with its output in `logdir/<name>.log`; return once `base + probe` answers."""
    log = logdir / f"{name}.log"
    with log.open("wb") as handle:
        popen = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + timeout
    while not _ready(base + probe):
        if popen.poll() is not None:
            raise SystemExit(f"{name} exited with {popen.returncode}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            popen.kill()
            raise SystemExit(f"{name} did not answer {base + probe} within {timeout}s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)  # polling interval
    return Proc(name, base, popen, log)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(1, min(len(ordered), math.ceil(p / 100 * len(ordered)))) - 1]


class Capture:
    """(JSON-RPC method, response body) of every POST exchange under one Client."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[str | None, bytes]] = []

    async def on_response(self, response: httpx2.Response) -> None:
        if response.request.method != "POST":  # a standalone GET event stream never ends
            return
        await response.aread()
        try:
            method = json.loads(response.request.content).get("method")
        except (ValueError, AttributeError):
            method = None
        self.exchanges.append((method, response.content))

    def last(self, method: str) -> bytes:
        return [body for m, body in self.exchanges if m == method][-1]


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"
