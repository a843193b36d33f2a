"""Gmail's search box (``q``): the operators a person types, parsed into a predicate over stored messages.

Grammar, as Gmail reads it: terms side by side are ANDed; ``OR`` (or ``{a b}``) binds tighter than the implicit
AND; ``-term`` negates; parentheses group. Terms: bare words and ``"quoted phrases"`` (subject, body, sender,
recipients, attachment names), ``from: to: cc: bcc: subject: label: in: is: has: filename: rfc822msgid:``,
``category: larger: smaller: list: deliveredto:``,
``after: before:`` (``YYYY/MM/DD``, midnight Pacific time as Gmail says, or epoch seconds),
``newer_than: older_than:`` (``3d``, ``2m``, ``1y``). Matching ignores case and accents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from ..errors import GoogleError
from . import mime
from .mailbox import Mailbox, StoredMessage

Predicate = Callable[[StoredMessage], bool]
PACIFIC = ZoneInfo("America/Los_Angeles")
_TOKEN = re.compile(
    r'\s*(?:(\()|(\))|(\{)|(\})|(-?)(?:([A-Za-z_0-9]+):("[^"]*"|\([^()]*\)|[^\s(){}"]*)|("[^"]*"|[^\s(){}"]+))?)'
)
_UNITS = {"d": 86400, "m": 30 * 86400, "y": 365 * 86400}


def _tokens(query: str) -> list[tuple[str, str, str, bool]]:
    """(kind, operator, value, negated) with kind one of ( ) { } term."""
    out: list[tuple[str, str, str, bool]] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None or match.end() == pos:
            pos += 1
            continue
        pos = match.end()
        opening, closing, brace_open, brace_close, minus, operator, operand, word = match.groups()
        for symbol in (opening, closing, brace_open, brace_close):
            if symbol:
                out.append((symbol, "", "", False))
        if operator is not None:
            out.append(("term", operator.lower(), operand or "", bool(minus)))
        elif word is not None:
            if word == "AND" and not minus:
                continue
            out.append(("term", "", word, bool(minus)))
        elif minus and query[pos : pos + 1] == "(":
            out.append(("not", "", "", True))
    return out


class _Parser:
    def __init__(self, query: str, box: Mailbox, now: float) -> None:
        self.tokens, self.pos, self.box, self.now = _tokens(query), 0, box, now

    def peek(self) -> tuple[str, str, str, bool] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Predicate:
        predicate = self.conjunction(stop=None)
        return predicate

    def conjunction(self, stop: str | None) -> Predicate:
        parts: list[Predicate] = []
        while (token := self.peek()) is not None and token[0] != stop:
            if token[0] in (")", "}"):
                self.pos += 1  # a stray closer: ignored, as Gmail does
                continue
            parts.append(self.disjunction())
        return lambda m: all(p(m) for p in parts)

    def disjunction(self) -> Predicate:
        options = [self.unary()]
        while (token := self.peek()) is not None and token[0] == "term" and token[2] == "OR" and not token[1]:
            self.pos += 1
            if self.peek() is None:
                break
            options.append(self.unary())
        return options[0] if len(options) == 1 else (lambda m: any(p(m) for p in options))

    def unary(self) -> Predicate:
        token = self.tokens[self.pos]
        self.pos += 1
        kind = token[0]
        if kind == "not":
            inner = self.unary()
            return lambda m: not inner(m)
        if kind in ("(", "{"):
            closer = ")" if kind == "(" else "}"
            if kind == "(":
                inner = self.conjunction(stop=closer)
            else:
                options: list[Predicate] = []
                while (t := self.peek()) is not None and t[0] != "}":
                    options.append(self.unary())
                inner = lambda m: any(p(m) for p in options)  # noqa: E731
            if self.peek() is not None:
                self.pos += 1
            return inner
        _, operator, value, negated = token
        predicate = self.term(operator, value)
        return (lambda m: not predicate(m)) if negated else predicate

    def term(self, operator: str, value: str) -> Predicate:
        if value.startswith("(") and value.endswith(")") and operator:
            words = value[1:-1].split()
            inner = [self.term(operator, w) for w in words]
            return lambda m: all(p(m) for p in inner)
        plain = value[1:-1] if value.startswith('"') and value.endswith('"') else value
        handler = _OPERATORS.get(operator)
        if handler is None:
            plain = f"{operator}:{plain}" if operator else plain
            return _words(plain, _everything)
        return handler(self, plain)


def _phrase_in(needle: str, haystack: str) -> bool:
    words = re.findall(r"\w+", mime.fold(needle))
    if not words:
        return mime.fold(needle) in mime.fold(haystack)
    pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)"
    return re.search(pattern, mime.fold(haystack)) is not None


def _words(value: str, text_of: Callable[[StoredMessage], str]) -> Predicate:
    return lambda m: _phrase_in(value, text_of(m))


def _everything(m: StoredMessage) -> str:
    p = m.parsed
    names = " ".join(a.filename for a in p.attachments)
    return "\n".join([p.header("Subject"), p.visible_text, p.header("From"), p.header("To"), p.header("Cc"), names])


def _address(headers: tuple[str, ...]) -> Callable[[_Parser, str], Predicate]:
    def make(parser: _Parser, value: str) -> Predicate:
        wanted = parser.box.owner if value.lower() == "me" else value

        def test(m: StoredMessage) -> bool:
            text = " ".join(m.header(h) for h in headers)
            # Gmail matches words, so "acme legal" finds acme-legal.example.com as well as a substring would
            return mime.fold(wanted) in mime.fold(text) or _phrase_in(wanted, text)

        return test

    return make


def _day(value: str) -> float:
    if value.isdigit():
        return float(value)
    for pattern in ("%Y/%m/%d", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=PACIFIC).timestamp()
        except ValueError:
            continue
    raise GoogleError(
        400, f"Invalid date in search query: {value!r}. Use YYYY/MM/DD or epoch seconds.", "invalid", location="q"
    )


def _age(value: str) -> float:
    match = re.fullmatch(r"(\d+)([dmy])", value.lower())
    if match is None:
        raise GoogleError(
            400, f"Invalid age in search query: {value!r}. Use a number and d, m or y (7d).", "invalid", location="q"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def _label(parser: _Parser, value: str) -> Predicate:
    label = parser.box.label_by_name(value)
    return lambda m: label is not None and label in m.labels


_IN = {
    "inbox": "INBOX",
    "sent": "SENT",
    "trash": "TRASH",
    "spam": "SPAM",
    "drafts": "DRAFT",
    "starred": "STARRED",
    "important": "IMPORTANT",
    "chats": "CHAT",
}
_IS = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}


def _in(parser: _Parser, value: str) -> Predicate:
    if value.lower() == "anywhere":
        return lambda m: True
    if value.lower() in _IN:
        return lambda m: _IN[value.lower()] in m.labels
    return _label(parser, value)


def _is(parser: _Parser, value: str) -> Predicate:
    value = value.lower()
    if value == "read":
        return lambda m: "UNREAD" not in m.labels
    if value in _IS:
        return lambda m: _IS[value] in m.labels
    return lambda m: False


def _has(parser: _Parser, value: str) -> Predicate:
    if value.lower() == "attachment":
        return lambda m: bool(m.parsed.attachments)
    return lambda m: False


def _filename(parser: _Parser, value: str) -> Predicate:
    wanted = mime.fold(value)
    return lambda m: any(
        wanted in mime.fold(a.filename) or mime.fold(a.filename).endswith("." + wanted) for a in m.parsed.attachments
    )


_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
_CATEGORIES = {
    "primary": "CATEGORY_PERSONAL",
    "personal": "CATEGORY_PERSONAL",
    "social": "CATEGORY_SOCIAL",
    "promotions": "CATEGORY_PROMOTIONS",
    "updates": "CATEGORY_UPDATES",
    "forums": "CATEGORY_FORUMS",
}


def _size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmM]?)", value)
    if match is None:
        raise GoogleError(
            400,
            f"Invalid size in search query: {value!r}. Use bytes, or a number with K or M (10M).",
            "invalid",
            location="q",
        )
    return int(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]


def _category(parser: _Parser, value: str) -> Predicate:
    label = _CATEGORIES.get(value.lower())
    return lambda m: label is not None and label in m.labels


_OPERATORS: dict[str, Callable[[_Parser, str], Predicate]] = {
    "category": _category,
    "larger": lambda p, v: (lambda n: lambda m: len(m.raw) > n)(_size(v)),
    "size": lambda p, v: (lambda n: lambda m: len(m.raw) > n)(_size(v)),
    "smaller": lambda p, v: (lambda n: lambda m: len(m.raw) < n)(_size(v)),
    "list": lambda p, v: lambda m: mime.fold(v) in mime.fold(m.header("List-Id") + m.header("List-Unsubscribe")),
    "deliveredto": lambda p, v: lambda m: mime.fold(v) in mime.fold(p.box.owner + " " + m.header("Delivered-To")),
    "from": _address(("From",)),
    "to": _address(("To", "Cc", "Bcc")),
    "cc": _address(("Cc",)),
    "bcc": _address(("Bcc",)),
    "subject": lambda p, v: _words(v, lambda m: m.header("Subject")),
    "label": _label,
    "in": _in,
    "is": _is,
    "has": _has,
    "filename": _filename,
    "rfc822msgid": lambda p, v: lambda m: m.header("Message-ID").strip("<> ") == v.strip("<> "),
    "after": lambda p, v: (lambda t: lambda m: m.internal_date_ms / 1000 >= t)(_day(v)),
    "before": lambda p, v: (lambda t: lambda m: m.internal_date_ms / 1000 < t)(_day(v)),
    "newer_than": lambda p, v: (lambda t: lambda m: m.internal_date_ms / 1000 > t)(p.now - _age(v)),
    "older_than": lambda p, v: (lambda t: lambda m: m.internal_date_ms / 1000 < t)(p.now - _age(v)),
}

_SPAM_TRASH_WORDS = re.compile(r"\b(in|label):(trash|spam|anywhere)\b", re.IGNORECASE)


def compile_query(query: str, box: Mailbox, now: float) -> Predicate:
    return _Parser(query, box, now).parse()


def names_spam_or_trash(query: str) -> bool:
    """``in:trash``, ``in:spam`` and ``in:anywhere`` search where the default search does not look."""
    return _SPAM_TRASH_WORDS.search(query) is not None
