"""What a benchmark figure depends on: the machine, its load, the versions and the git commit measured."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from .procs import REPO, package_version


def _first(path: str, prefix: str) -> str:
    try:
        return next(
            line.split(":", 1)[1].strip() for line in Path(path).read_text().splitlines() if line.startswith(prefix)
        )
    except (OSError, StopIteration):
        return "?"


def git_commit() -> str:
    """`abc1234` or `abc1234 + uncommitted changes` (others may be editing the tree while the bench runs).

    BENCH_COMMIT, when set, is used as is: it describes the snapshot the bench runs from (a copy of the tree
    taken so that edits made during the run cannot mix in), which is not a repository."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return commit + (" + uncommitted changes" if dirty else "")


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def machine_facts() -> dict[str, str]:
    mem = _first("/proc/meminfo", "MemTotal")
    try:
        mem = f"{int(mem.split()[0]) / 1024 / 1024:.1f} GiB"
    except (ValueError, IndexError):
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(nproc),
        "cpu": _first("/proc/cpuinfo", "model name"),
        "mem": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "mcp": package_version("mcp"),
        "uvicorn": package_version("uvicorn"),
        "uvloop": package_version("uvloop"),
        "httptools": package_version("httptools"),
        "enterprise-connectors": package_version("enterprise-connectors"),
        "commit": git_commit(),
        "load_before": load_average(),
    }
