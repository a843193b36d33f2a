"""Strip what the runtime image must not ship from an installed environment.

Used by deploy/Dockerfile (stage ``prune``) and by tests/deploy: run it with the
interpreter of the environment to prune, e.g. ``/opt/venv/bin/python prune_runtime.py``.

Removed from site-packages:
  * the ``sandbox`` package (upstream emulators: demo and tests only),
  * any ``sandbox`` sub-package of a connector (``connectors/<name>/sandbox``),
  * every ``tests`` package under ``shared`` and ``connectors`` (tests and snapshots).

The ``enterprise_connectors.sandboxes`` entry points are dropped from the distribution's
metadata too, so ``connectors sandbox`` in the runtime image finds no sandbox instead of
failing on an import. ``--check`` then imports ``shared.cli`` and every connector package and fails if the
sandbox is still importable or if a connector needs it at import time.

Usage: prune_runtime.py [--site-packages DIR] [--check]
"""

from __future__ import annotations

import argparse
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import pkgutil
import shutil
import sys
import sysconfig
from pathlib import Path

APP_PACKAGES = ("shared", "connectors")
REMOVED_TOP_LEVEL = ("sandbox",)
REMOVED_SUBPACKAGES = ("sandbox", "tests")
SANDBOX_ENTRY_POINTS = "enterprise_connectors.sandboxes"
CONNECTOR_ENTRY_POINTS = "enterprise_connectors.connectors"


def drop_sandbox_entry_points(site_packages: Path) -> list[Path]:
    """Remove the sandbox entry-point section from every dist-info in ``site_packages``."""
    changed = []
    for path in site_packages.glob("*.dist-info/entry_points.txt"):
        kept, skipping = [], False
        for line in path.read_text().splitlines():
            if line.strip().startswith("["):
                skipping = line.strip() == f"[{SANDBOX_ENTRY_POINTS}]"
            if not skipping:
                kept.append(line)
        text = "\n".join(kept) + "\n"
        if text != path.read_text():
            path.write_text(text)
            changed.append(path)
    return changed


def prune(site_packages: Path) -> list[Path]:
    """Delete the sandbox and tests from ``site_packages``; return what was removed."""
    removed: list[Path] = []
    for name in REMOVED_TOP_LEVEL:
        target = site_packages / name
        if target.exists():
            shutil.rmtree(target)
            removed.append(target)
    for package in APP_PACKAGES:
        root = site_packages / package
        if not root.is_dir():
            continue
        # Deepest first is unnecessary: rmtree of a parent makes children vanish,
        # so collect, then remove whatever still exists.
        for candidate in sorted(root.rglob("*")):
            if candidate.is_dir() and candidate.name in REMOVED_SUBPACKAGES and candidate.exists():
                shutil.rmtree(candidate)
                removed.append(candidate)
    removed.extend(drop_sandbox_entry_points(site_packages))
    return removed


def check(site_packages: Path) -> None:
    """Import the application and prove the sandbox is gone."""
    sys.path.insert(0, str(site_packages))
    own = Path(sysconfig.get_paths()["purelib"]).resolve() == site_packages.resolve()
    for name in REMOVED_TOP_LEVEL:
        left = importlib.machinery.PathFinder.find_spec(name, [str(site_packages)])
        if left is not None or (own and importlib.util.find_spec(name) is not None):
            raise SystemExit(f"prune_runtime: package {name!r} is still importable")
    importlib.import_module("shared.cli")
    connectors = importlib.import_module("connectors")
    imported = []
    # the way the CLI finds connectors: entry points of the installed distribution
    for entry_point in importlib.metadata.entry_points(group=CONNECTOR_ENTRY_POINTS):
        entry_point.load()
        imported.append(f"{entry_point.value} (entry point)")
    for module in pkgutil.iter_modules(connectors.__path__, "connectors."):
        if module.ispkg:
            importlib.import_module(module.name)
            imported.append(module.name)
    if not imported:
        raise SystemExit("prune_runtime: no connector package found under connectors/")
    print("prune_runtime: imports ok:", ", ".join(["shared.cli", *imported]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site-packages",
        type=Path,
        default=Path(sysconfig.get_paths()["purelib"]),
        help="directory to prune (default: this interpreter's site-packages)",
    )
    parser.add_argument("--check", action="store_true", help="import the app afterwards")
    args = parser.parse_args(argv)
    for path in prune(args.site_packages):
        print(f"prune_runtime: removed {path}")
    if args.check:
        check(args.site_packages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
