"""Drive's ``q`` search language (developers.google.com/workspace/drive/api/guides/search-files), as a predicate.

Supported terms: ``name`` (contains, =, !=), ``fullText contains``, ``mimeType`` (=, !=, contains),
``modifiedTime``/``createdTime``/``viewedByMeTime`` (=, !=, <, <=, >, >=), ``trashed``/``starred`` (=, !=),
``'<id>' in parents``, ``'<email>' in owners|writers|readers``, ``sharedWithMe`` (bare or ``= true``),
``properties has { key='k' and value='v' }`` (and ``appProperties``),
combined with ``and``, ``or``, ``not`` and parentheses. Anything else (a bare word, an unknown field, a bad
date) is Drive's 400 ``Invalid Value`` on ``q``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError

from ..errors import invalid_value
from .model import ROLE_RANK, DriveFile

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*        -> any_of
?and_expr: not_expr (_AND not_expr)*      -> all_of
?not_expr: _NOT not_expr                  -> negate
         | atom
?atom: "(" or_expr ")"
     | comparison
     | membership
     | PROPS _HAS "{" "key" "=" STRING _AND "value" "=" STRING "}"  -> has_property
     | SHARED_WITH_ME (OP value)?         -> shared_with_me
comparison: FIELD OP value
membership: STRING _IN COLLECTION
value: STRING | BOOL
FIELD.2: /(name|fullText|mimeType|modifiedTime|createdTime|viewedByMeTime|trashed|starred)\b/
PROPS.2: /(properties|appProperties)\b/
COLLECTION.2: /(parents|owners|writers|readers)\b/
SHARED_WITH_ME.2: /sharedWithMe\b/
OP: "contains" | "!=" | "<=" | ">=" | "=" | "<" | ">"
BOOL.2: /(true|false)\b/i
STRING: /'(\\.|[^'\\])*'/
_AND.3: /and\b/i
_OR.3: /or\b/i
_NOT.3: /not\b/i
_IN.3: /in\b/i
_HAS.3: /has\b/i
%ignore /\s+/
"""
_PARSER = Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)
Predicate = Callable[["Viewer", DriveFile], bool]


@dataclass
class Viewer:
    """What a predicate needs to know about the caller and the store."""

    email: str
    role_of: Callable[[DriveFile, str], str | None]  # (file, email) -> role
    shared_with_me: Callable[[DriveFile, str], bool]
    full_text: Callable[[DriveFile], str]
    root_id: str = ""  # what 'root' stands for in "'root' in parents"


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _time(value: str) -> float:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise invalid_value("q") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _words(text: str) -> str:
    return " " + re.sub(r"[^0-9a-z]+", " ", text.lower()) + " "


def _compare(op: str, left, right) -> bool:
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


@v_args(inline=True)
class _Build(Transformer):
    def value(self, token: Token):
        return token.lower() == "true" if token.type == "BOOL" else _unquote(str(token))

    def any_of(self, *preds: Predicate) -> Predicate:
        return lambda v, f: any(p(v, f) for p in preds)

    def all_of(self, *preds: Predicate) -> Predicate:
        return lambda v, f: all(p(v, f) for p in preds)

    def negate(self, pred: Predicate) -> Predicate:
        return lambda v, f: not pred(v, f)

    def has_property(self, which: Token, key: Token, value: Token) -> Predicate:
        k, want = _unquote(str(key)), _unquote(str(value))
        attr = "properties" if str(which) == "properties" else "app_properties"
        return lambda v, f: getattr(f, attr).get(k) == want

    def shared_with_me(self, _token: Token, op: Token | None = None, value: object = True) -> Predicate:
        if op is not None and (str(op) not in ("=", "!=") or not isinstance(value, bool)):
            raise invalid_value("q")
        return lambda v, f: _compare(str(op or "="), v.shared_with_me(f, v.email), value)

    def membership(self, item: Token, collection: Token) -> Predicate:
        value = _unquote(str(item))
        if collection == "parents":
            return lambda v, f: (v.root_id if value == "root" else value) in f.parents
        floor = {"owners": "owner", "writers": "writer", "readers": "reader"}[str(collection)]
        return lambda v, f: (
            (v.role_of(f, value) or "") in ROLE_RANK
            and (
                (f.owner == value)
                if floor == "owner"
                else ROLE_RANK[v.role_of(f, value) or "reader"] >= ROLE_RANK[floor]
            )
        )

    def comparison(self, field: Token, op_token: Token, value: str | bool) -> Predicate:
        name, op = str(field), str(op_token)
        if name in ("trashed", "starred"):
            if not isinstance(value, bool) or op not in ("=", "!="):
                raise invalid_value("q")
            return lambda v, f: _compare(op, getattr(f, name), value)
        if isinstance(value, bool):
            raise invalid_value("q")
        if name.endswith("Time"):
            if op == "contains":
                raise invalid_value("q")
            at = _time(value)
            attr = "created" if name == "createdTime" else "modified"
            return lambda v, f: _compare(op, getattr(f, attr), at)
        if name == "fullText":
            if op != "contains":
                raise invalid_value("q")
            phrase = _words(value.strip('"')).strip()
            return lambda v, f: f" {phrase} " in _words(f"{f.name} {f.description or ''} {v.full_text(f)}")
        if name == "name":
            if op == "contains":  # prefix match on words of the name, as Drive does
                needle = value.lower()
                return lambda v, f: re.search(r"(^|[^0-9a-z])" + re.escape(needle), f.name.lower()) is not None
            if op in ("=", "!="):
                return lambda v, f: _compare(op, f.name, value)
            raise invalid_value("q")
        if op == "contains":  # mimeType
            return lambda v, f: value in f.mime_type
        if op not in ("=", "!="):
            raise invalid_value("q")
        return lambda v, f: _compare(op, f.mime_type, value)


def parse(q: str) -> Predicate:
    """Compile ``q``; raises Drive's 400 ``Invalid Value`` on anything it does not understand."""
    if not q.strip():
        return lambda v, f: True
    try:
        return _Build().transform(_PARSER.parse(q))
    except LarkError as exc:
        cause = getattr(exc, "orig_exc", None)
        if cause is not None and hasattr(cause, "body"):
            raise cause from exc
        raise invalid_value("q") from exc
