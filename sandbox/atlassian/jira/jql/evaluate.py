"""Compile a parsed JQL query into a predicate and a sort key over store issues."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ... import users as U
from ...permissions import can_browse_project
from .. import adf as A
from .. import catalog as C
from ..store import Issue, Store
from .ast import EMPTY, Clause, Func, JQLError, Query, Value, parse

UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."


@dataclass
class Context:
    store: Store
    user: U.User
    now: datetime

    @property
    def tz(self):
        try:
            return ZoneInfo(self.user.time_zone)
        except Exception:
            return UTC


# field aliases -> canonical clause name
_ALIASES = {
    "project": "project",
    "key": "key",
    "issuekey": "key",
    "id": "key",
    "issue": "key",
    "summary": "summary",
    "description": "description",
    "environment": "environment",
    "text": "text",
    "comment": "comment",
    "status": "status",
    "statuscategory": "statuscategory",
    "assignee": "assignee",
    "reporter": "reporter",
    "creator": "creator",
    "issuetype": "issuetype",
    "type": "issuetype",
    "priority": "priority",
    "labels": "labels",
    "label": "labels",
    "sprint": "sprint",
    "cf[10020]": "sprint",
    "resolution": "resolution",
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
    "resolved": "resolved",
    "resolutiondate": "resolved",
    "due": "duedate",
    "duedate": "duedate",
    "parent": "parent",
    "flagged": "flagged",
    "cf[10021]": "flagged",
    "issuelinktype": "issuelinktype",
    "story points": "storypoints",
    "story point estimate": "storypoints",
    "cf[10016]": "storypoints",
    "team": "team",
    "cf[10001]": "team",
    "statuscategorychangeddate": "statuscategorychangedate",
    "acceptance criteria": "acceptance",
    "cf[10030]": "acceptance",
}
TEXT_FIELDS = {"summary", "description", "environment", "text", "comment", "acceptance"}
DATE_FIELDS = {"created", "updated", "resolved", "duedate", "statuscategorychangedate"}
HISTORY_FIELDS = {
    "status": "status",
    "assignee": "assignee",
    "priority": "priority",
    "resolution": "resolution",
    "sprint": C.CF_SPRINT,
}


def canonical(name: str) -> str:
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("customfield_"):
        return _ALIASES.get(f"cf[{key[12:]}]", "") or _unknown(name)
    return _unknown(name)


def _unknown(name: str):
    raise JQLError(f"Field '{name}' does not exist or you do not have permission to view it.")


# ---------------------------------------------------------------- values
_REL = re.compile(r"^([-+]?)(\d+)([wdhm])$", re.I)
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def resolve_date(v, ctx: Context) -> datetime:
    if isinstance(v, Func):
        return _date_function(v, ctx)
    s = v.text.strip()
    m = _REL.match(s.replace(" ", ""))
    if m:
        n = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
        unit = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}[m.group(3).lower()]
        return ctx.now + timedelta(**{unit: n})
    if s.isdigit() and len(s) > 8:
        return datetime.fromtimestamp(int(s) / 1000, tz=UTC)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=ctx.tz)
        except ValueError:
            pass
    raise JQLError(
        f"Date value '{s}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        f"'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


def _date_function(f: Func, ctx: Context) -> datetime:
    local = ctx.now.astimezone(ctx.tz)
    offset = timedelta()
    if f.args:
        m = _REL.match(f.args[0].text.replace(" ", ""))
        if m:
            n = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
            offset = timedelta(**{{"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}[m.group(3).lower()]: n})
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if f.name == "now":
        base = ctx.now
    elif f.name == "startofday":
        base = day
    elif f.name == "endofday":
        base = day + timedelta(days=1) - timedelta(milliseconds=1)
    elif f.name == "startofweek":
        base = day - timedelta(days=(local.weekday() + 1) % 7)  # weeks start on Sunday in Jira
    elif f.name == "endofweek":
        base = day - timedelta(days=(local.weekday() + 1) % 7) + timedelta(days=7) - timedelta(milliseconds=1)
    elif f.name == "startofmonth":
        base = day.replace(day=1)
    else:
        raise JQLError(f"Unable to find JQL function '{f.name}()'.")
    return base + offset


def resolve_user(v, ctx: Context) -> set[str | None]:
    if v is EMPTY:
        return {None}
    if isinstance(v, Func):
        if v.name == "currentuser":
            return {ctx.user.account_id}
        raise JQLError(f"Unable to find JQL function '{v.name}()'.")
    s = v.text
    if s in U.BY_ACCOUNT_ID:
        return {s}
    u = U.BY_EMAIL.get(s.lower())
    if u:
        return {u.account_id}
    hits: set[str | None] = {u.account_id for u in U.USERS if u.display_name.lower() == s.lower()}
    if hits:
        return hits
    raise JQLError(f"The value '{s}' does not exist for the field 'assignee'.")


def _lookup(kind: str, v, by_name: dict, by_id: dict, fname: str) -> str | None:
    if v is EMPTY:
        return None
    if isinstance(v, Func):
        raise JQLError(f"Unable to find JQL function '{v.name}()'.")
    s = v.text
    if s in by_id:
        return s
    obj = by_name.get(s.lower())
    if obj is None:
        raise JQLError(f"The value '{s}' does not exist for the field '{fname}'.")
    return obj.id if hasattr(obj, "id") else obj["id"]


# ---------------------------------------------------------------- per-field accessors
def _text_of(issue: Issue, f: str) -> str:
    if f == "summary":
        return issue.summary
    if f == "description":
        return A.to_text(issue.description)
    if f == "environment":
        return A.to_text(issue.environment)
    if f == "acceptance":
        return A.to_text(issue.acceptance)
    if f == "comment":
        return "\n".join(A.to_text(c.body) for c in issue.comments)
    return "\n".join(
        [
            issue.summary,
            A.to_text(issue.description),
            A.to_text(issue.environment),
            *(A.to_text(c.body) for c in issue.comments),
        ]
    )


_WORD = re.compile(r"\w+", re.UNICODE)


def text_match(haystack: str, needle: str) -> bool:
    """Case-insensitive word/phrase match with ``*`` suffix wildcards and simple stemming-free tokens."""
    words = _WORD.findall(haystack.lower())
    phrase = needle.strip().lower()
    if not phrase:
        return False
    terms = [t for t in re.findall(r"[\w*?]+", phrase)]
    if not terms:
        return False

    def term_ok(term, word):
        if term.endswith("*"):
            return word.startswith(term[:-1])
        return word == term

    n = len(terms)
    for i in range(len(words) - n + 1):
        if all(term_ok(t, words[i + j]) for j, t in enumerate(terms)):
            return True
    if n > 1 and not needle.strip().startswith('"'):
        # Jira treats multi-word ~ as all words present when not an exact phrase
        return all(any(term_ok(t, w) for w in words) for t in terms)
    return False


def _key_order(issue: Issue):
    return (issue.project_key, issue.number)


def field_value(issue: Issue, f: str, store: Store):
    if f == "project":
        return issue.project_key
    if f == "key":
        return issue.key
    if f == "status":
        return issue.status_id
    if f == "statuscategory":
        return issue.status.category
    if f in ("assignee", "reporter", "creator"):
        return getattr(issue, f)
    if f == "issuetype":
        return issue.issuetype_id
    if f == "priority":
        return issue.priority_id
    if f == "resolution":
        return issue.resolution_id
    if f == "created":
        return issue.created
    if f == "updated":
        return issue.updated
    if f == "resolved":
        return issue.resolved
    if f == "statuscategorychangedate":
        return issue.status_changed
    if f == "duedate":
        return issue.duedate
    if f == "storypoints":
        return issue.story_points
    if f == "team":
        return issue.team_id
    if f == "parent":
        p = store.issues.get(issue.parent_id) if issue.parent_id else None
        return p.key if p else None
    raise JQLError(f"Field '{f}' is not supported here.")


class Evaluator:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    # -------------------------------------------------------------- boolean structure
    def compile(self, node):
        if isinstance(node, tuple):
            op, arg = node
            if op == "not":
                inner = self.compile(arg)
                return lambda i: not inner(i)
            parts = [self.compile(a) for a in arg]
            if len(parts) == 1:
                return parts[0]
            if op == "and":
                return lambda i: all(p(i) for p in parts)
            return lambda i: any(p(i) for p in parts)
        return self.clause(node)

    # -------------------------------------------------------------- clauses
    def clause(self, c: Clause):
        f = canonical(c.field)
        if c.kind == "changed":
            return self._changed(c, f)
        if c.kind == "is_empty":
            pred = self._empty(f)
            return (lambda i: not pred(i)) if c.negate else pred
        if c.kind == "in_function":
            pred = self._in_function(f, c.values[0], c.field)
            return (lambda i: not pred(i)) if c.negate else pred
        if c.kind == "in_list":
            preds = [self._equals(f, v, c.field) for v in c.values]
            if c.negate:
                nonempty = self._empty(f)
                return lambda i: not nonempty(i) and not any(p(i) for p in preds)
            return lambda i: any(p(i) for p in preds)
        op = c.op
        v = c.values[0]
        if op in ("~", "!~"):
            if f not in TEXT_FIELDS:
                raise JQLError(f"The operator '{op}' is not supported by the '{c.field}' field.")
            needle = v.text if isinstance(v, Value) else ""
            if op == "~":
                return lambda i: text_match(_text_of(i, f), needle)
            return lambda i: not text_match(_text_of(i, f), needle)
        if f in TEXT_FIELDS and f != "summary" or (f == "summary" and op not in ("=", "!=")):
            raise JQLError(f"The operator '{op}' is not supported by the '{c.field}' field.")
        if f == "summary":
            target = v.text.lower()
            return (lambda i: i.summary.lower() == target) if op == "=" else (lambda i: i.summary.lower() != target)
        if op in ("=", "!="):
            eq = self._equals(f, v, c.field)
            if op == "=":
                return eq
            empty = self._empty(f)
            return lambda i: not empty(i) and not eq(i)
        return self._ordered(f, op, v, c.field)

    def _empty(self, f: str):
        s = self.ctx.store
        simple = {"assignee", "reporter", "resolution", "resolved", "duedate", "parent", "storypoints", "team"}
        if f in simple:
            return lambda i: field_value(i, f, s) is None
        if f == "labels":
            return lambda i: not i.labels
        if f == "sprint":
            return lambda i: not i.sprint_ids
        if f == "flagged":
            return lambda i: not i.flagged
        if f in ("description", "environment", "acceptance", "comment", "text"):
            return lambda i: not _text_of(i, f).strip()
        if f == "summary":
            return lambda i: not i.summary
        return lambda i: False

    def _equals(self, f: str, v, raw: str):
        ctx, s = self.ctx, self.ctx.store
        if v is EMPTY:
            return self._empty(f)
        if f == "project":
            p = C.project(v.text) or next((p for p in C.PROJECTS if p.name.lower() == v.text.lower()), None)
            if p is None or not can_browse_project(ctx.user.account_id, p.key):
                raise JQLError(f"The value '{v.text}' does not exist for the field 'project'.")
            return lambda i: i.project_key == p.key
        if f == "key":
            iss = s.get(v.text)
            if iss is None:
                if re.match(r"^[A-Za-z]+-\d+$", v.text) and C.project(v.text.split("-")[0]):
                    return lambda i: False
                raise JQLError(f"An issue with key '{v.text}' does not exist for field 'key'.")
            return lambda i: i.id == iss.id
        if f == "parent":
            iss = s.get(v.text)
            if iss is None:
                raise JQLError(f"An issue with key '{v.text}' does not exist for field 'parent'.")
            return lambda i: i.parent_id == iss.id
        if f == "status":
            sid = _lookup("status", v, C.STATUS_BY_NAME, C.STATUS_BY_ID, "status")
            return lambda i: i.status_id == sid
        if f == "statuscategory":
            t = v.text.lower()
            cat = next((k for k, c in C.STATUS_CATEGORIES.items() if t in (k, c["name"].lower(), str(c["id"]))), None)
            if cat is None:
                raise JQLError(f"The value '{v.text}' does not exist for the field 'statusCategory'.")
            return lambda i: i.status.category == cat
        if f in ("assignee", "reporter", "creator"):
            ids = resolve_user(v, ctx)
            return lambda i: getattr(i, f) in ids
        if f == "issuetype":
            tid = _lookup("issuetype", v, C.ITYPE_BY_NAME, C.ITYPE_BY_ID, "issuetype")
            return lambda i: i.issuetype_id == tid
        if f == "priority":
            pid = _lookup("priority", v, C.PRIORITY_BY_NAME, C.PRIORITY_BY_ID, "priority")
            return lambda i: i.priority_id == pid
        if f == "resolution":
            if isinstance(v, Value) and v.text.lower() == "unresolved":
                return lambda i: i.resolution_id is None
            rid = _lookup("resolution", v, C.RESOLUTION_BY_NAME, C.RESOLUTION_BY_ID, "resolution")
            return lambda i: i.resolution_id == rid
        if f == "labels":
            t = v.text
            return lambda i: t in i.labels
        if f == "sprint":
            if isinstance(v, Func):
                return self._in_function(f, v, raw)
            sprint_ids = {
                sp.id for sp in s.sprints.values() if str(sp.id) == v.text or sp.name.lower() == v.text.lower()
            }
            if not sprint_ids:
                raise JQLError(f"The value '{v.text}' does not exist for the field 'sprint'.")
            return lambda i: bool(sprint_ids & set(i.sprint_ids))
        if f == "flagged":
            if v.text.lower() != "impediment":
                raise JQLError(f"The option '{v.text}' for field 'Flagged' does not exist.")
            return lambda i: i.flagged
        if f == "team":
            opt = next((o for o in C.TEAM_OPTIONS if v.text.lower() in (o["value"].lower(), o["id"])), None)
            if opt is None:
                raise JQLError(f"The option '{v.text}' for field 'Team' does not exist.")
            return lambda i: i.team_id == opt["id"]
        if f == "issuelinktype":
            t = v.text.lower()
            types = [lt for lt in C.LINK_TYPES if t in (lt["name"].lower(), lt["inward"], lt["outward"])]
            if not types:
                raise JQLError(f"The value '{v.text}' does not exist for the field 'issueLinkType'.")

            def has(i):
                for link in s.links_of(i):
                    lt = C.LINK_TYPE_BY_ID[link.type_id]
                    if t == lt["name"].lower():
                        return True
                    if link.outward_id == i.id and t == lt["outward"]:
                        return True
                    if link.inward_id == i.id and t == lt["inward"]:
                        return True
                return False

            return has
        if f in DATE_FIELDS or f == "storypoints":
            return self._ordered(f, "=", v, raw)
        raise JQLError(f"The operator '=' is not supported by the '{raw}' field.")

    def _ordered(self, f: str, op: str, v, raw: str):
        s = self.ctx.store
        cmp = {
            "=": lambda a, b: a == b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            "!=": lambda a, b: a != b,
        }[op]
        if f in DATE_FIELDS:
            when = resolve_date(v, self.ctx)
            if f == "duedate":
                d = when.astimezone(self.ctx.tz).date().isoformat()
                return lambda i: i.duedate is not None and cmp(i.duedate, d)
            if op == "=":
                when_min = when.replace(second=0, microsecond=0)
                return lambda i: (
                    (val := field_value(i, f, s)) is not None and val.replace(second=0, microsecond=0) == when_min
                )
            return lambda i: (val := field_value(i, f, s)) is not None and cmp(val, when)
        if f == "storypoints":
            try:
                num = float(v.text)
            except ValueError:
                raise JQLError(f"The value '{v.text}' is not a valid number for the field '{raw}'.") from None
            return lambda i: i.story_points is not None and cmp(i.story_points, num)
        if f == "key":
            iss = s.get(v.text)
            if iss is None:
                raise JQLError(f"An issue with key '{v.text}' does not exist for field 'key'.")
            k = _key_order(iss)
            return lambda i: i.project_key == iss.project_key and cmp(_key_order(i), k)
        if f == "priority":
            pid = _lookup("priority", v, C.PRIORITY_BY_NAME, C.PRIORITY_BY_ID, "priority")
            if pid is None:  # `priority > EMPTY`: nothing to rank against
                raise JQLError(f"The operator '{op}' is not supported by the '{raw}' field.")
            r = C.PRIORITY_RANK[pid]
            return lambda i: cmp(C.PRIORITY_RANK[i.priority_id], r)
        raise JQLError(f"The operator '{op}' is not supported by the '{raw}' field.")

    def _in_function(self, f: str, fn, raw: str):
        s = self.ctx.store
        if not isinstance(fn, Func):
            raise JQLError("Error in the JQL Query: expected a function.")
        if f == "sprint" and fn.name in ("opensprints", "futuresprints", "closedsprints"):
            state = {"opensprints": "active", "futuresprints": "future", "closedsprints": "closed"}[fn.name]
            ids = {sp.id for sp in s.sprints.values() if sp.state == state}
            return lambda i: bool(ids & set(i.sprint_ids))
        if f == "key" and fn.name == "linkedissues":
            if not fn.args:
                raise JQLError("Function 'linkedIssues' expects between 1 and 2 arguments, but got 0.")
            src = s.get(fn.args[0].text)
            if src is None:
                raise JQLError(f"Issue '{fn.args[0].text}' could not be found in function 'linkedIssues'.")
            want = fn.args[1].text.lower() if len(fn.args) > 1 else None
            ids = set()
            for link in s.links_of(src):
                lt = C.LINK_TYPE_BY_ID[link.type_id]
                if link.inward_id == src.id:  # src "is blocked by" other
                    desc, other = lt["inward"], link.outward_id
                else:
                    desc, other = lt["outward"], link.inward_id
                if want is None or want in (desc, lt["name"].lower()):
                    ids.add(other)
            return lambda i: i.id in ids
        if f in ("assignee", "reporter", "creator") and fn.name == "currentuser":
            return self._equals(f, fn, raw)
        raise JQLError(f"Unable to find JQL function '{fn.name}()' for field '{raw}'.")

    def _changed(self, c: Clause, f: str):
        hist_field = HISTORY_FIELDS.get(f)
        if hist_field is None:
            raise JQLError(f"History searches are not supported for the '{c.field}' field.")
        conds: list[Callable[..., bool]] = []
        for p in c.preds:
            kind = p[0]
            if kind == "after":
                t = resolve_date(p[1], self.ctx)
                conds.append(lambda h, it, t=t: h.created > t)
            elif kind == "before":
                t = resolve_date(p[1], self.ctx)
                conds.append(lambda h, it, t=t: h.created < t)
            elif kind == "on":
                d = resolve_date(p[1], self.ctx).astimezone(self.ctx.tz).date()
                conds.append(lambda h, it, d=d: h.created.astimezone(self.ctx.tz).date() == d)
            elif kind == "during":
                a, b = resolve_date(p[1], self.ctx), resolve_date(p[2], self.ctx)
                conds.append(lambda h, it, a=a, b=b: a <= h.created <= b)
            elif kind in ("from", "to"):
                val = p[1]
                attr = "from_string" if kind == "from" else "to_string"
                idattr = "from_" if kind == "from" else "to"
                names: set[str | None] = {val.text.lower()} if isinstance(val, Value) else set()
                if f == "assignee":
                    names = resolve_user(val, self.ctx)
                    conds.append(lambda h, it, ids=names, a=idattr: getattr(it, a) in ids)
                else:
                    conds.append(
                        lambda h, it, n=names, a=attr, ia=idattr: (
                            (getattr(it, a) or "").lower() in n or (getattr(it, ia) or "").lower() in n
                        )
                    )
            elif kind == "by":
                ids = resolve_user(p[1], self.ctx)
                conds.append(lambda h, it, ids=ids: h.author in ids)

        def pred(issue: Issue) -> bool:
            for h in issue.histories:
                for it in h.items:
                    if it.field_id == hist_field and all(cnd(h, it) for cnd in conds):
                        return True
            return False

        return (lambda i: not pred(i)) if c.negate else pred


# ---------------------------------------------------------------- ordering
def _sort_value(issue: Issue, f: str, store: Store):
    if f == "key":
        return _key_order(issue)
    if f == "priority":
        return C.PRIORITY_RANK[issue.priority_id]
    if f == "status":
        return issue.status.name
    if f == "summary":
        return issue.summary.lower()
    if f in ("assignee", "reporter", "creator"):
        aid = getattr(issue, f)
        return U.BY_ACCOUNT_ID[aid].display_name.lower() if aid else None
    if f == "issuetype":
        return issue.issuetype.name
    if f == "sprint":
        return max(issue.sprint_ids) if issue.sprint_ids else None
    if f in ("labels",):
        return ",".join(issue.labels)
    return field_value(issue, f, store)


def sort_issues(issues: list[Issue], order: Sequence[tuple[str, str | None]], store: Store) -> list[Issue]:
    if len(order) > 7:
        raise JQLError("Error in the JQL Query: The ORDER BY clause supports at most 7 fields.")
    keys = [(canonical(f), d) for f, d in order] or [("created", "DESC")]
    out = sorted(issues, key=lambda i: i.id, reverse=True)
    for f, d in reversed(keys):
        default_desc = f in DATE_FIELDS or f == "priority"
        desc = (d == "DESC") if d else default_desc
        present = [i for i in out if _sort_value(i, f, store) is not None]
        missing = [i for i in out if _sort_value(i, f, store) is None]
        present.sort(key=lambda i: _sort_value(i, f, store), reverse=desc)
        out = present + missing  # EMPTY values last
    return out


def search(store: Store, jql: str, user: U.User, now: datetime, *, require_bounded: bool = True) -> list[Issue]:
    q: Query = parse(jql or "")
    if q.where is None and require_bounded:
        raise JQLError(UNBOUNDED)
    ctx = Context(store, user, now)
    pred = Evaluator(ctx).compile(q.where) if q.where is not None else (lambda i: True)
    with store.lock:
        hits = [i for i in store.issues.values() if pred(i) and can_browse_project(user.account_id, i.project_key)]
    return sort_issues(hits, q.order, store)


def validate(jql: str, user: U.User, store: Store, now: datetime) -> None:
    q = parse(jql or "")
    if q.where is not None:
        Evaluator(Context(store, user, now)).compile(q.where)
