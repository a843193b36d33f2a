"""What a read leaves in the markdown for what markdown cannot say: numbered placeholders, and the Doc."""

from __future__ import annotations

from dataclasses import dataclass

ATOMIC, WRAPPER, READONLY = "atomic", "wrapper", "readonly"


@dataclass
class Fragment:
    id: int
    kind: str
    mode: str
    xml: str
    block: bool
    head: str = ""  # wrapper: exact XML before the content
    tail: str = ""  # wrapper: exact XML after the content
    inner_md: str = ""  # wrapper/read-only: the content as it was read

    def marker(self, detail: str = "") -> str:
        detail = f" {detail}" if detail else ""
        return f"[[{self.kind}{detail} #{self.id}]]"

    @property
    def close(self) -> str:
        return f"[[/{self.kind} #{self.id}]]"


@dataclass
class Doc:
    storage: str
    markdown: str
    fragments: dict[int, Fragment]
    reuse: dict[str, str]  # markdown of an untouched block -> its exact XML (with leading spacing)

    def placeholders(self) -> list[str]:
        return [f"{f.kind} #{f.id}" for f in self.fragments.values()]
