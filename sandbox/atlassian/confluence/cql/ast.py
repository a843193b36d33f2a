"""Parse CQL text into a small AST."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedInput

from .grammar import GRAMMAR

BAD_REQUEST = "com.atlassian.confluence.api.service.exceptions.BadRequestException"


class CQLError(ValueError):
    """A CQL problem reported to the client as a 400 (v1 error body, ``message``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def could_not_parse(cql: str, reason: str | None = None) -> CQLError:
    msg = f"{BAD_REQUEST}: Could not parse cql : {cql}"
    return CQLError(msg + (f" ({reason})" if reason else ""))


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple


@dataclass(frozen=True)
class Value:
    text: str
    quoted: bool = False


@dataclass
class Clause:
    field: str
    op: str  # = != ~ !~ > >= < <= in "not in"
    values: tuple = ()


@dataclass
class Query:
    where: object | None
    order: list[tuple[str, str]] = field(default_factory=list)


def _unquote(tok: str) -> str:
    body, out, i = tok[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _ToAST(Transformer):
    def field(self, items):
        return str(items[0])

    def string(self, items):
        return Value(_unquote(str(items[0])), True)

    def word(self, items):
        return Value(str(items[0]))

    def function(self, items):
        return Func(str(items[0]).lower(), tuple(i for i in items[1:] if i is not None))

    def compare(self, items):
        f, op, v = items
        return Clause(f, str(op), (v,))

    def in_list(self, items):
        neg = any(isinstance(i, Token) and i.type == "NOT" for i in items)
        vals = tuple(i for i in items[1:] if not isinstance(i, Token))
        return Clause(items[0], "not in" if neg else "in", vals)

    def or_(self, items):
        return ("or", [i for i in items if not isinstance(i, Token)])

    def and_(self, items):
        out, negate_next = [], False
        for i in items:
            if isinstance(i, Token):
                negate_next = i.type == "NOT"
                continue
            out.append(("not", i) if negate_next else i)
            negate_next = False
        return ("and", out)

    def not_(self, items):
        return ("not", items[-1])

    def sort_key(self, items):
        return (items[0], str(items[1]).lower() if len(items) > 1 else "asc")

    def order_by(self, items):
        return ("order", [i for i in items if isinstance(i, tuple)])

    def start(self, items):
        where, order = None, []
        for i in items:
            if isinstance(i, tuple) and i[0] == "order":
                order = i[1]
            else:
                where = i
        return Query(where, order)


_parser = Lark(GRAMMAR, parser="lalr", maybe_placeholders=True)


@lru_cache(maxsize=512)
def parse(text: str) -> Query:
    try:
        return _ToAST().transform(_parser.parse(text or ""))
    except UnexpectedInput:
        raise could_not_parse(text) from None
    except Exception as exc:  # lark wraps transformer errors
        inner = getattr(exc, "orig_exc", None)
        if isinstance(inner, CQLError):
            raise inner from None
        raise could_not_parse(text) from None
