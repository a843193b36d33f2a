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


def declared_tools(connector: Connector):
    """The connector's tools, without credentials or network (settings are not validated)."""
    placeholders = {name: "" for name, field in connector.settings.model_fields.items() if field.is_required()}
    settings = connector.settings.model_construct(**placeholders)
    return connector.runtime(settings).tools


def markdown_table(selected: list[Connector]) -> str:
    blocks = []
    for connector in selected:
        rows = [f"### {connector.title} (`connectors serve {connector.name}`, port {connector.default_port})", "",
                "| tool | effect | toolset | what it does |", "|---|---|---|---|"]  # fmt: skip
        for tool in declared_tools(connector):
            rows.append(f"| `{tool.name}` | {_EFFECT[tool.effect]} | {tool.toolset} | {cell(tool.description)} |")
        blocks.append("\n".join(rows))
    return "\n\n".join(blocks)
