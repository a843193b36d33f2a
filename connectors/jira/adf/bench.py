"""Time the ADF converters on the sandbox's seeded issues: ``python -m connectors.jira.adf.bench [--repeat N]``.

Prints, per kind of document, the CPU time per call (best of N passes) and how many Markdown parses
each ``adf_to_markdown`` needs for its round-trip check. Needs the sandbox (the repository's
``sandbox`` package); no network.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from . import syntax
from .to_adf import markdown_to_adf
from .to_markdown import adf_to_markdown


def seeded_documents(seed: int = 42) -> dict[str, list[dict]]:
    """Descriptions and comment bodies of the seeded Jira site, as the REST API v3 returns them (ADF)."""
    from sandbox.atlassian.app import create_app

    issues = create_app(seed=seed).state.jira.store.ordered()
    return {
        "descriptions": [issue.description for issue in issues if issue.description],
        "comments": [comment.body for issue in issues for comment in issue.comments],
    }


def best_time(function: Callable[[Any], Any], inputs: list, repeat: int) -> float:
    """CPU seconds per call (this process only, so a busy machine disturbs it less), best of ``repeat`` passes."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for value in inputs:
            function(value)
        best = min(best, time.process_time() - started)
    return best / max(len(inputs), 1)


def parses_per_call(docs: list[dict]) -> float:
    """Markdown parses per ``adf_to_markdown`` call (counted by wrapping the shared parser's ``parse``)."""
    calls = 0
    parse = syntax.PARSER.parse

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return parse(*args, **kwargs)

    syntax.PARSER.parse = counting  # type: ignore[method-assign]
    try:
        for doc in docs:
            adf_to_markdown(doc)
    finally:
        del syntax.PARSER.parse  # back to the class's method
    return calls / max(len(docs), 1)


def main(argv: list[str] | None = None) -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--repeat", type=int, default=5, help="passes per measurement (the best one counts)")
    options.add_argument("--seed", type=int, default=42, help="sandbox seed")
    args = options.parse_args(argv)
    rows = []
    for kind, docs in seeded_documents(args.seed).items():
        markdown = [adf_to_markdown(doc) for doc in docs]
        rows.append(
            (
                kind,
                str(len(docs)),
                f"{best_time(adf_to_markdown, docs, args.repeat) * 1e6:.0f}",
                f"{parses_per_call(docs):.2f}",
                f"{best_time(markdown_to_adf, markdown, args.repeat) * 1e6:.0f}",
            )
        )
    header = ("documents", "count", "adf_to_markdown µs", "parses/call", "markdown_to_adf µs")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells))


if __name__ == "__main__":
    main()
