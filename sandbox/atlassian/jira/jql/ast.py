"""Parse JQL text into a small AST of tuples/dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .grammar import GRAMMAR


class JQLError(ValueError):
    """A JQL problem reported to the client as a 400 ``errorMessages`` entry."""


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple


@dataclass(frozen=True)
class Value:
    text: str
    quoted: bool = False


EMPTY = Value("EMPTY")


@dataclass
class Clause:
    kind: str  # compare, is_empty, in_list, in_function, changed, was
    field: str
    op: str = ""
    negate: bool = False
    values: tuple = ()
    preds: tuple = ()


@dataclass
class Query:
    where: object | None
    order: list[tuple[str, str]] = field(default_factory=list)


def _unquote(tok: str) -> str:
    body = tok[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _ToAST(Transformer):
    def field(self, items):
        t = items[0]
        return _unquote(str(t)) if t.type == "STRING" else str(t)

    def string(self, items):
        return Value(_unquote(str(items[0])), True)

    def word(self, items):
        return Value(str(items[0]))

    def empty(self, items):
        return EMPTY

    def function(self, items):
        return Func(str(items[0]).lower(), tuple(i for i in items[1:] if i is not None))

    def compare(self, items):
        f, op, v = items
        return Clause("compare", f, str(op), values=(v,))

    def is_empty(self, items):
        return Clause("is_empty", items[0], negate=any(isinstance(i, Token) and i.type == "NOT" for i in items))

    def in_list(self, items):
        neg = any(isinstance(i, Token) and i.type == "NOT" for i in items)
        vals = tuple(i for i in items[1:] if not isinstance(i, Token))
        return Clause("in_list", items[0], negate=neg, values=vals)

    def in_function(self, items):
        neg = any(isinstance(i, Token) and i.type == "NOT" for i in items)
        return Clause("in_function", items[0], negate=neg, values=(items[-1],))

    def changed(self, items):
        neg = any(isinstance(i, Token) and i.type == "NOT" for i in items)
        return Clause("changed", items[0], negate=neg, preds=tuple(i for i in items[1:] if isinstance(i, tuple)))

    def was(self, items):
        raise JQLError("Error in the JQL Query: The 'WAS' operator is not supported by this site emulator.")

    def after(self, i):
        return ("after", i[1])

    def before(self, i):
        return ("before", i[1])

    def on(self, i):
        return ("on", i[1])

    def during(self, i):
        v = [x for x in i if not isinstance(x, Token)]
        return ("during", v[0], v[1])

    def from_(self, i):
        return ("from", i[1])

    def to(self, i):
        return ("to", i[1])

    def by(self, i):
        return ("by", i[1])

    def or_(self, items):
        return ("or", [i for i in items if not isinstance(i, Token)])

    def and_(self, items):
        return ("and", [i for i in items if not isinstance(i, Token)])

    def not_(self, items):
        return ("not", items[-1])

    def sort_key(self, items):
        d = str(items[1]).upper() if len(items) > 1 else None
        return (items[0], d)

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


def _describe(exc: UnexpectedInput, text: str) -> str:
    col = getattr(exc, "column", 0) or len(text)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return (
            "Error in the JQL Query: Expecting either a value, list or function but got end of query. "
            f"(line 1, character {len(text)})"
        )
    if isinstance(exc, UnexpectedToken):
        return (
            f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{exc.token}'. (line 1, character {col})"
        )
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)  # always set for this error
        ch = text[pos] if pos < len(text) else ""
        if ch in "\"'":
            rest = text[pos + 1 :]
            return (
                f"Error in the JQL Query: The quoted string '{rest}' has not been completed. (line 1, character {col})"
            )
        return (
            f"Error in the JQL Query: The character '{ch}' is a reserved JQL character. You must enclose it in a "
            f"string or use the escape '\\u{ord(ch):04x}' instead. (line 1, character {col})"
        )
    return "Error in the JQL Query: the query could not be parsed."


@lru_cache(maxsize=512)
def parse(text: str) -> Query:
    try:
        tree = _parser.parse(text or "")
        return _ToAST().transform(tree)
    except JQLError:
        raise
    except UnexpectedInput as exc:
        raise JQLError(_describe(exc, text)) from None
    except Exception as exc:  # lark wraps transformer errors
        inner = getattr(exc, "orig_exc", None)
        if isinstance(inner, JQLError):
            raise inner from None
        raise JQLError(f"Error in the JQL Query: {exc}") from None
