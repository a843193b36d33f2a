"""The README's tool tables, generated from the tool declarations (a test keeps them in sync)."""

from __future__ import annotations

from .connector import Connector
from .shaping import cell
from .tools import Effect

_EFFECT = {
    Effect.READ: "read",
    Effect.ADD: "write (additive)",
    Effect.CHANGE: "write (destructive)",
    Effect.SEND: "write (destructive, open world)",
}


def markdown_table(selected: list[Connector]) -> str:
    blocks = []
    for connector in selected:
        rows = [
            f"### {connector.title} (`connectors serve {connector.name}`, port {connector.default_port})",
            "",
            "| tool | effect | toolset | what it does |",
            "|---|---|---|---|",
        ]
        for tool in connector.tools:
            rows.append(f"| `{tool.name}` | {_EFFECT[tool.effect]} | {tool.toolset} | {cell(tool.description)} |")
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks)
