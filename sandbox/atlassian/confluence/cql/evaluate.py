"""Evaluate a parsed CQL query over the store's pages and blog posts.

Supported fields: text, siteSearch (the web UI's search; here the same index as text), title, space (= space.key),
space.title, label, type, creator, contributor, created,
lastmodified, id/content, ancestor, parent. Operators per field as in Confluence (``~``/``!~`` for text fields,
``=``/``!=``/``in``/``not in`` for keys, comparisons for dates). Unknown fields, wrong operators and syntax errors
answer 400 with a "Could not parse cql" message; the user fields (user, user.fullname, user.accountid,
user.userkey) are rejected on content search.

Dates are read in the caller's time zone (``yyyy-MM-dd``, ``yyyy/MM/dd``, either with `` HH:mm``) and compared at
minute granularity. Functions: now(), startOfDay/endOfDay, startOfWeek/endOfWeek (ISO weeks: Monday),
startOfMonth/endOfMonth, startOfYear/endOfYear, each with an optional increment such as "-7d", "+1w", "-2M".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ... import users as U
from ..store import Content, Store
from .ast import BAD_REQUEST, Clause, CQLError, Func, Query, Value, could_not_parse, parse

USER_FIELDS = {"user", "user.fullname", "user.accountid", "user.userkey"}
FIELDS = {
    "text",
    "sitesearch",
    "title",
    "space",
    "space.key",
    "space.title",
    "label",
    "type",
    "creator",
    "contributor",
    "created",
    "lastmodified",
    "id",
    "content",
    "ancestor",
    "parent",
}
TEXT_OPS = {"~", "!~"}
EQ_OPS = {"=", "!=", "in", "not in"}
DATE_OPS = {"=", "!=", ">", ">=", "<", "<="}
FIELD_OPS = {
    "text": TEXT_OPS,
    "sitesearch": TEXT_OPS,
    "title": TEXT_OPS | EQ_OPS,
    "space": EQ_OPS,
    "space.key": EQ_OPS,
    "space.title": TEXT_OPS | EQ_OPS,
    "label": EQ_OPS,
    "type": EQ_OPS,
    "creator": EQ_OPS,
    "contributor": EQ_OPS,
    "created": DATE_OPS,
    "lastmodified": DATE_OPS,
    "id": EQ_OPS,
    "content": EQ_OPS,
    "ancestor": EQ_OPS,
    "parent": EQ_OPS,
}
SORT_FIELDS = {"created", "lastmodified", "title", "id", "space", "type"}


@dataclass
class Context:
    store: Store
    user: U.User
    now: datetime
    cql: str

    @property
    def tz(self):
        try:
            return ZoneInfo(self.user.time_zone)
        except Exception:
            return UTC


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))


_WORD = re.compile(r"[\w]+", re.U)


@lru_cache(maxsize=4096)
def _index(key: tuple, text: str) -> tuple[frozenset, str]:
    f = fold(text)
    return frozenset(_WORD.findall(f)), " ".join(_WORD.findall(f))


def _doc(c: Content, store: Store, title_only: bool) -> tuple[frozenset, str]:
    if title_only:
        return _index(("t", c.id, c.version.number), c.title)
    text = c.title + "\n" + c.text + "\n" + " ".join(store.label_names(c))
    return _index(("b", c.id, c.version.number, len(c.labels)), text)


def _term_hit(term: str, words: frozenset) -> bool:
    if term.endswith("*"):
        stem = term.rstrip("*")
        return any(w.startswith(stem) for w in words)
    if term in words:
        return True
    for suf in ("s", "es", "ed", "ing"):
        if term + suf in words or (term.endswith(suf) and term[: -len(suf)] in words):
            return True
    return False


def terms_of(query: str) -> tuple[list[str], list[str]]:
    """(phrases, words) of a text-search value; ``"exact phrase"`` inside the value is a phrase."""
    phrases = [fold(p) for p in re.findall(r'"([^"]+)"', query)]
    rest = re.sub(r'"[^"]+"', " ", query)
    words = [w for w in re.findall(r"[\w*]+", fold(rest), re.U) if w not in ("and", "or")]
    return [" ".join(_WORD.findall(p)) for p in phrases], words


def text_match(value: str, words: frozenset, joined: str) -> bool:
    phrases, terms = terms_of(value)
    if not phrases and not terms:
        return False
    return all(f" {p} " in f" {joined} " for p in phrases) and all(_term_hit(t, words) for t in terms)


# ---------------------------------------------------------------- values
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_INC = re.compile(r"^([-+]?)(\d+)([yMwdhm])$")


def _increment(arg, ctx: Context) -> tuple[str, int] | None:
    if arg is None:
        return None
    s = (arg.text if isinstance(arg, Value) else str(arg)).replace(" ", "")
    m = _INC.match(s)
    if not m:
        raise could_not_parse(ctx.cql)
    n = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
    return m.group(3), n


def _add(dt: datetime, inc: tuple[str, int] | None) -> datetime:
    if not inc:
        return dt
    unit, n = inc
    if unit in ("y", "M"):
        months = n * (12 if unit == "y" else 1)
        y, mth = divmod(dt.month - 1 + months, 12)
        year, month = dt.year + y, mth + 1
        day = min(
            dt.day,
            [
                31,
                29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ][month - 1],
        )
        return dt.replace(year=year, month=month, day=day)
    return dt + timedelta(**{{"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}[unit]: n})


def resolve_date(v, ctx: Context) -> tuple[datetime, bool]:
    """(instant, date_only)."""
    if isinstance(v, Func):
        inc = _increment(v.args[0], ctx) if v.args else None
        local = ctx.now.astimezone(ctx.tz)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        end = timedelta(days=1) - timedelta(milliseconds=1)
        if v.name == "now":
            return _add(ctx.now, inc), False
        if v.name == "startofday":
            return _add(day, inc), False
        if v.name == "endofday":
            return _add(day + end, inc), False
        if v.name == "startofweek":
            return _add(day - timedelta(days=local.weekday()), inc), False
        if v.name == "endofweek":
            return _add(
                day - timedelta(days=local.weekday()) + timedelta(days=7) - timedelta(milliseconds=1), inc
            ), False
        if v.name == "startofmonth":
            return _add(day.replace(day=1), inc), False
        if v.name == "endofmonth":
            nxt = _add(day.replace(day=1), ("M", 1))
            return _add(nxt - timedelta(milliseconds=1), inc), False
        if v.name == "startofyear":
            return _add(day.replace(month=1, day=1), inc), False
        if v.name == "endofyear":
            return _add(day.replace(year=day.year + 1, month=1, day=1) - timedelta(milliseconds=1), inc), False
        raise could_not_parse(ctx.cql)
    s = v.text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=ctx.tz), "%H" not in fmt
        except ValueError:
            pass
    raise could_not_parse(ctx.cql)


def resolve_user(v, ctx: Context) -> str | None:
    if isinstance(v, Func):
        if v.name == "currentuser":
            return ctx.user.account_id
        raise could_not_parse(ctx.cql)
    text = v.text.strip()
    if text in U.BY_ACCOUNT_ID:
        return text
    u = U.BY_EMAIL.get(text.lower()) or U.BY_LOCALPART.get(text.lower())
    return u.account_id if u else text


def _scalar(v, ctx: Context) -> str:
    if isinstance(v, Func):
        if v.name == "currentspace":
            raise CQLError(f"{BAD_REQUEST}: currentSpace() requires a cqlcontext with a spaceKey")
        raise could_not_parse(ctx.cql)
    return v.text


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


# ---------------------------------------------------------------- compile
def compile_where(node, ctx: Context):
    if node is None:
        return lambda c: True
    if isinstance(node, tuple):
        kind, arg = node
        if kind == "not":
            inner = compile_where(arg, ctx)
            return lambda c: not inner(c)
        parts = [compile_where(a, ctx) for a in arg]
        if kind == "and":
            return lambda c: all(p(c) for p in parts)
        return lambda c: any(p(c) for p in parts)
    return _clause(node, ctx)


def _clause(cl: Clause, ctx: Context):
    name = cl.field.lower()
    if name in USER_FIELDS:
        raise CQLError(
            f"{BAD_REQUEST}: Could not parse cql : {ctx.cql} (the field '{cl.field}' is only supported "
            f"by the user search: /wiki/rest/api/search/user)"
        )
    if name not in FIELDS:
        raise could_not_parse(ctx.cql, f"unknown field '{cl.field}'")
    op = cl.op.lower()
    if op not in FIELD_OPS[name]:
        raise could_not_parse(ctx.cql, f"operator '{cl.op}' is not supported for field '{cl.field}'")
    store = ctx.store
    neg = op in ("!=", "!~", "not in")

    def wrap(pred):
        return (lambda c: not pred(c)) if neg else pred

    if name in ("text", "sitesearch", "title", "space.title") and op in TEXT_OPS:
        value = _scalar(cl.values[0], ctx)
        if name == "space.title":
            return wrap(lambda c: text_match(value, *_index(("s", c.space_id), store.spaces[c.space_id].name)))
        title_only = name == "title"
        return wrap(lambda c: text_match(value, *_doc(c, store, title_only)))
    if name in ("created", "lastmodified"):
        at, date_only = resolve_date(cl.values[0], ctx)
        get = (lambda c: c.created) if name == "created" else (lambda c: c.updated)
        if op in ("=", "!="):
            lo = at if date_only else _minute(at)
            hi = lo + (timedelta(days=1) if date_only else timedelta(minutes=1))
            return wrap(lambda c: lo <= get(c) < hi)
        at_m = _minute(at) if not date_only else at
        cmp = {">": lambda x: x > at_m, ">=": lambda x: x >= at_m, "<": lambda x: x < at_m, "<=": lambda x: x <= at_m}[
            op
        ]
        return lambda c: cmp(_minute(get(c)))
    values = cl.values
    if name in ("creator", "contributor"):
        ids = {resolve_user(v, ctx) for v in values}
        if name == "creator":
            return wrap(lambda c: c.author_id in ids)
        return wrap(lambda c: bool(c.contributors & ids))
    wanted = [_scalar(v, ctx) for v in values]
    low = {w.lower() for w in wanted}
    if name in ("space", "space.key"):
        return wrap(lambda c: store.spaces[c.space_id].key.lower() in low)
    if name == "space.title":
        return wrap(lambda c: store.spaces[c.space_id].name.lower() in low)
    if name == "title":
        return wrap(lambda c: c.title.lower() in low)
    if name == "label":
        return wrap(lambda c: bool(low & {store.labels[i].name.lower() for i in c.labels}))
    if name == "type":
        return wrap(lambda c: c.type in low)
    if name in ("id", "content"):
        return wrap(lambda c: str(c.id) in low)
    if name == "parent":
        return wrap(lambda c: str(c.parent_id) in low)
    if name == "ancestor":
        return wrap(lambda c: any(str(a.id) in low for a in store.ancestors(c)))
    raise could_not_parse(ctx.cql)  # pragma: no cover


def _sort_key(name: str, store: Store):
    name = name.lower()
    if name not in SORT_FIELDS:
        raise CQLError(f"{BAD_REQUEST}: Could not parse cql : unsupported order by field '{name}'")
    return {
        "created": lambda c: c.created,
        "lastmodified": lambda c: c.updated,
        "title": lambda c: c.title.lower(),
        "id": lambda c: c.id,
        "space": lambda c: store.spaces[c.space_id].key,
        "type": lambda c: c.type,
    }[name]


def search(store: Store, cql: str, user: U.User, now: datetime) -> tuple[list[Content], Query]:
    if not (cql or "").strip():
        raise CQLError(f"{BAD_REQUEST}: The CQL query parameter 'cql' is required")
    q = parse(cql)
    ctx = Context(store, user, now, cql)
    pred = compile_where(q.where, ctx)
    hits = [c for c in store.contents.values() if c.status == "current" and pred(c)]
    hits.sort(key=lambda c: c.id, reverse=True)
    hits.sort(key=lambda c: c.updated, reverse=True)  # default: most recently modified first (relevance stand-in)
    if q.order:
        hits.sort(key=lambda c: c.id)
        for fld, direction in reversed(q.order):
            hits.sort(key=_sort_key(fld, store), reverse=direction == "desc")
    return hits, q


def highlight_terms(q: Query) -> list[str]:
    out = []

    def walk(n):
        if isinstance(n, tuple):
            if n[0] == "not":
                return
            for a in n[1]:
                walk(a)
        elif isinstance(n, Clause) and n.field.lower() in ("text", "sitesearch", "title") and n.op == "~":
            v = n.values[0]
            if isinstance(v, Value):
                phrases, words = terms_of(v.text)
                out.extend(w.rstrip("*") for w in words)
                out.extend(phrases)

    walk(q.where)
    return [t for t in out if t]
