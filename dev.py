#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11.

    python3 dev.py demo     # the sandbox and every connector wired to it
    python3 dev.py test     # lint (ruff, mypy) and the whole test suite: what CI runs
    python3 dev.py lint     # lint only
    python3 dev.py bench    # the benchmark table
    python3 dev.py compare  # the side-by-side benchmark with mcp-atlassian
    python3 dev.py connectors ...   # the `connectors` command (serve, sandbox, doctor, tools)

The first run creates .venv/ and installs the project with its test tools; later runs reuse it
and reinstall only when pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def ensure_env() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    print("installing the project and its test tools …", flush=True)
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def run(args: list[str]) -> int:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.call(args, cwd=ROOT, env=env)


def lint() -> int:
    """ruff (lint and format) on everything; mypy strict on the shared library, normal on the rest."""
    python = str(BIN / "python")
    steps = [
        [python, "-m", "ruff", "check", "."],
        [python, "-m", "ruff", "format", "--check", "--quiet", "."],
        [python, "-m", "mypy", "--strict", "shared", "--exclude", "^shared/tests/"],
        [python, "-m", "mypy", "connectors", "sandbox", "bench", "tests", "shared/tests"],
    ]
    for step in steps:
        code = run(step)
        if code:
            print(f"lint failed: {' '.join(step[2:])}", file=sys.stderr)
            return code
    return 0


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    extra = sys.argv[2:]
    if command not in ("demo", "test", "lint", "bench", "compare", "connectors"):
        print(__doc__)
        return 0 if command == "help" else 2
    ensure_env()
    if command == "demo":
        return run([str(BIN / "connectors"), "demo", *extra])
    if command == "connectors":
        return run([str(BIN / "connectors"), *extra])
    if command == "bench":
        return run([str(BIN / "python"), "-m", "bench.table", *extra])
    if command == "compare":
        return run([str(BIN / "python"), "-m", "bench.compare", *extra])
    if command == "lint":
        return lint()
    selecting = any(not arg.startswith("-") for arg in extra)  # a chosen subset of tests: skip the lint
    return (0 if selecting else lint()) or run([str(BIN / "python"), "-m", "pytest", *extra])


if __name__ == "__main__":
    sys.exit(main())
