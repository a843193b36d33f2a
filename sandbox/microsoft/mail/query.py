"""``$filter``, ``$search`` (KQL-ish) and ``$orderby`` over messages, with Graph's rules about combining them.

$filter: ``eq ne gt ge lt le``, ``and``/``or``/``not``, parentheses, ``contains/startswith(subject,'x')`` and
``categories/any(c:c eq 'x')`` on isRead, isDraft, importance, hasAttachments, subject, conversationId,
receivedDateTime, sentDateTime, parentFolderId, from/emailAddress/address, sender/emailAddress/address,
flag/flagStatus, inferenceClassification.
$search: ``from: to: cc: subject: body: attachment: participants: hasattachments:true received>=YYYY-MM-DD``
(also ``> <= < :``), bare words and "quoted phrases" (all must match; accents and invisible characters ignored),
``OR`` between groups of terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..graph import GraphError
from .model import Message
from .render import text_of

Predicate = Callable[[Message], bool]
_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(\()|(\))|(,)|([^\s(),']+))")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u00ad\u202a\u202b\u202c\u202d\u202e\ufeff"))


def _bad_filter(message: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Invalid filter clause: {message}")


def parse_datetime(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad_filter(f"'{raw}' is not a date-time; use 2026-11-01T00:00:00Z.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


FIELDS: dict[str, Callable[[Message], Any]] = {
    "isread": lambda m: m.is_read,
    "isdraft": lambda m: m.is_draft,
    "importance": lambda m: m.importance,
    "hasattachments": lambda m: any(not a.is_inline for a in m.attachments),
    "subject": lambda m: m.subject,
    "conversationid": lambda m: m.conversation_id,
    "receiveddatetime": lambda m: m.received,
    "sentdatetime": lambda m: m.sent,
    "parentfolderid": lambda m: m.folder_id,
    "from/emailaddress/address": lambda m: m.sender[1].lower(),
    "sender/emailaddress/address": lambda m: m.sender[1].lower(),
    "from/emailaddress/name": lambda m: m.sender[0],
    "flag/flagstatus": lambda m: m.flag.get("flagStatus"),
    "inferenceclassification": lambda m: "focused",
    "id": lambda m: m.id,
}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
}


class _FilterParser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        for match in _TOKEN.finditer(text):
            if match.start() != position:
                break
            position = match.end()
            kinds = ("str", "(", ")", ",", "word")
            kind = next(k for k, g in zip(kinds, match.groups(), strict=True) if g is not None)
            self.tokens.append((kind, match.group(match.lastindex or 0)))
        if text[position:].strip():
            raise _bad_filter(f"unexpected text at '{text[position:][:30]}'.")
        self.at = 0
        self.fields: list[str] = []  # properties in the order they appear (Graph's $orderby rule needs them)

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, kind: str | None = None) -> str:
        token = self.peek()
        if token[0] == "end" or (kind is not None and token[0] != kind):
            raise _bad_filter(f"expected {kind or 'more'} but found '{token[1] or 'the end'}'.")
        self.at += 1
        return token[1]

    def keyword(self, word: str) -> bool:
        if self.peek()[0] == "word" and self.peek()[1].lower() == word:
            self.at += 1
            return True
        return False

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek()[0] != "end":
            raise _bad_filter(f"unexpected '{self.peek()[1]}'.")
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda m: any(p(m) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.keyword("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda m: all(p(m) for p in parts))

    def unary(self) -> Predicate:
        if self.keyword("not"):
            inner = self.unary()
            return lambda m: not inner(m)
        if self.peek()[0] == "(":
            self.take("(")
            inner = self.disjunction()
            self.take(")")
            return inner
        name = self.take("word")
        if self.peek()[0] == "(":
            return self.function(name)
        return self.comparison(name)

    def function(self, name: str) -> Predicate:
        self.take("(")
        lowered = name.lower()
        if lowered == "categories/any":
            variable, _, used = self.take("word").partition(":")
            if not variable or used.lower() != variable.lower() or not self.keyword("eq"):
                raise _bad_filter("write categories/any(c:c eq 'Name').")
            wanted = self.literal()
            self.take(")")
            self.fields.append("categories")
            return lambda m: wanted in m.categories
        if lowered not in ("contains", "startswith", "endswith"):
            raise _bad_filter(f"the function '{name}' is not supported; use contains, startswith or endswith.")
        field = self.take("word").lower()
        getter = self.getter(field)
        self.take(",")
        needle = str(self.literal()).lower()
        self.take(")")
        test = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}[lowered]
        return lambda m: test(str(getter(m) or "").lower(), needle)

    def getter(self, field: str) -> Callable[[Message], Any]:
        if field not in FIELDS:
            raise GraphError(
                400, "BadRequest", f"Could not find a property named '{field}' on type 'microsoft.graph.message'."
            )
        self.fields.append(field)
        return FIELDS[field]

    def comparison(self, field: str) -> Predicate:
        getter = self.getter(field.lower())
        op = self.take("word").lower()
        if op not in _OPS:
            raise _bad_filter(f"'{op}' is not an operator; use eq, ne, gt, ge, lt or le.")
        value = self.literal()
        if field.lower().endswith("datetime"):
            value = value if isinstance(value, datetime) else parse_datetime(str(value))
        elif isinstance(value, str) and field.lower().endswith("address"):
            value = value.lower()
        compare = _OPS[op]

        def test(m: Message) -> bool:
            try:
                return compare(getter(m), value)
            except TypeError:  # e.g. isRead gt 'x'
                raise _bad_filter(f"'{field}' cannot be compared with {value!r}.") from None

        return test

    def literal(self) -> Any:
        kind, raw = self.peek()
        if kind == "str":
            self.at += 1
            return raw[1:-1].replace("''", "'")
        raw = self.take("word")
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        if raw.lower() == "null":
            return None
        if re.match(r"^\d{4}-\d\d-\d\d", raw):
            return parse_datetime(raw)
        raise _bad_filter(f"'{raw}' is not a value: quote strings ('high'), write true/false or a date-time.")


def parse_filter(text: str) -> tuple[Predicate, list[str]]:
    parser = _FilterParser(text)
    return parser.parse(), parser.fields


def check_orderby(orderby: list[tuple[str, bool]], filtered_fields: list[str]) -> None:
    """Graph rejects $filter with $orderby unless the sort properties come first in the filter, in order."""
    if not filtered_fields:
        return
    wanted = [name.lower() for name, _ in orderby]
    if filtered_fields[: len(wanted)] != wanted:
        raise GraphError(400, "InefficientFilter", "The restriction or sort order is too complex for this operation.")


SORTABLE = {"receiveddatetime": "received", "sentdatetime": "sent", "subject": "subject", "importance": "importance"}


def parse_orderby(text: str) -> list[tuple[str, bool]]:
    """``receivedDateTime desc`` -> [("receiveddatetime", True)]."""
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, direction = part.partition(" ")
        if name.lower() not in SORTABLE or direction.strip().lower() not in ("", "asc", "desc"):
            raise GraphError(400, "BadRequest", f"Cannot order by '{part}': use receivedDateTime desc (or asc).")
        out.append((name.lower(), direction.strip().lower() == "desc"))
    return out


def sort(messages: list[Message], orderby: list[tuple[str, bool]]) -> list[Message]:
    out = sorted(messages, key=lambda m: m.id)
    for name, descending in reversed(orderby or [("receiveddatetime", True)]):
        attribute = SORTABLE[name]
        out.sort(key=lambda m: (getattr(m, attribute) is not None, getattr(m, attribute) or 0), reverse=descending)
    return out


# ---------------------------------------------------------------------- $search
def fold(text: str) -> str:
    """Lower case, no accents, no invisible characters: what the search index compares."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_INVISIBLE))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_TERM = re.compile(r'\s*(-?)(?:(\w+)\s*(>=|<=|:|>|<)\s*)?("[^"]*"|[^\s"]+)')


def _people(addresses: list[tuple[str, str]]) -> str:
    return " ".join(f"{n} {a}" for n, a in addresses)


def _date_term(op: str, raw: str) -> Predicate:
    try:
        day = datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        raise GraphError(400, "BadRequest", f"'{raw}' is not a date: write received>=2026-11-01.") from None
    start, end = day, day + timedelta(days=1)
    tests: dict[str, Predicate] = {
        ":": lambda m: start <= m.received < end,
        ">=": lambda m: m.received >= start,
        ">": lambda m: m.received >= end,
        "<=": lambda m: m.received < end,
        "<": lambda m: m.received < start,
    }
    return tests[op]


def _term(negate: str, prop: str | None, op: str | None, raw: str) -> Predicate:
    value = fold(raw.strip('"'))
    prop = (prop or "").lower()
    test: Predicate
    if prop in ("received", "sent"):
        test = _date_term(op or ":", raw.strip('"'))
    elif prop == "hasattachments" or prop == "hasattachment":
        wanted = value in ("true", "yes", "1")
        test = lambda m: any(not a.is_inline for a in m.attachments) == wanted  # noqa: E731
    else:
        fields: dict[str, Callable[[Message], str]] = {
            "from": lambda m: f"{m.sender[0]} {m.sender[1]}",
            "to": lambda m: _people(m.to),
            "cc": lambda m: _people(m.cc),
            "participants": lambda m: _people([m.sender, *m.to, *m.cc]),
            "subject": lambda m: m.subject,
            "body": lambda m: text_of(m),
            "attachment": lambda m: " ".join(a.name for a in m.attachments),
            "": lambda m: " ".join(
                (m.subject, text_of(m), _people([m.sender, *m.to, *m.cc]), *(a.name for a in m.attachments))
            ),
        }
        if prop not in fields:
            raise GraphError(400, "BadRequest", f"Unknown search property '{prop}:'; use from, to, subject, body...")
        read = fields[prop]
        test = lambda m: value in fold(read(m))  # noqa: E731
    return (lambda m: not test(m)) if negate else test


def parse_search(text: str) -> Predicate:
    """All terms of a group must match; groups separated by OR are alternatives."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    groups: list[list[Predicate]] = [[]]
    for match in _TERM.finditer(text):
        negate, prop, op, raw = match.groups()
        if raw == "OR" and not prop:
            groups.append([])
        elif raw != "AND" or prop:
            groups[-1].append(_term(negate, prop, op, raw))
    groups = [g for g in groups if g]
    if not groups:
        raise GraphError(400, "BadRequest", 'The $search value is empty: give words, e.g. $search="contract".')
    return lambda m: any(all(p(m) for p in group) for group in groups)
