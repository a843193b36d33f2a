"""In-memory Jira data: issues, comments, changelogs, links, boards and sprints (one store, two renderings)."""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import catalog as C


class Clock:
    """Emulator time: starts at ``now`` and advances with the wall clock."""

    def __init__(self, now: datetime | None = None):
        self.base = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        from datetime import timedelta
        return self.base + timedelta(seconds=time.monotonic() - self._t0)


@dataclass
class ChangeItem:
    field: str
    field_id: str
    from_: str | None
    from_string: str | None
    to: str | None
    to_string: str | None


@dataclass
class History:
    id: int
    author: str  # accountId
    created: datetime
    items: list[ChangeItem]


@dataclass
class Comment:
    id: int
    author: str
    body: dict  # ADF
    created: datetime
    updated: datetime


@dataclass
class Link:
    id: int
    type_id: str
    inward_id: int   # the issue that "is blocked by"
    outward_id: int  # the issue that "blocks"


@dataclass
class Sprint:
    id: int
    name: str
    state: str  # closed, active, future
    board_id: int
    goal: str = ""
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None


@dataclass
class Board:
    id: int
    name: str
    type: str
    project_key: str


@dataclass
class Issue:
    id: int
    key: str
    project_key: str
    issuetype_id: str
    summary: str
    reporter: str
    creator: str
    created: datetime
    updated: datetime
    status_id: str = C.TODO
    status_changed: datetime | None = None
    priority_id: str = C.DEFAULT_PRIORITY
    assignee: str | None = None
    description: dict | None = None
    environment: dict | None = None
    labels: list[str] = field(default_factory=list)
    resolution_id: str | None = None
    resolved: datetime | None = None
    duedate: str | None = None
    parent_id: int | None = None
    sprint_ids: list[int] = field(default_factory=list)
    flagged: bool = False
    story_points: float | None = None
    team_id: str | None = None
    acceptance: dict | None = None
    comments: list[Comment] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    properties: dict[str, object] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])

    @property
    def status(self) -> C.Status:
        return C.STATUS_BY_ID[self.status_id]

    @property
    def issuetype(self) -> C.IssueType:
        return C.ITYPE_BY_ID[self.issuetype_id]

    @property
    def project(self) -> C.Project:
        return C.PROJECT_BY_KEY[self.project_key]


class Store:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.lock = threading.RLock()
        self.issues: dict[int, Issue] = {}
        self.by_key: dict[str, int] = {}
        self.links: dict[int, Link] = {}
        self.boards: dict[int, Board] = {}
        self.sprints: dict[int, Sprint] = {}
        self.counters: dict[str, int] = {p.key: 0 for p in C.PROJECTS}
        self._issue_ids = itertools.count(10000)
        self._comment_ids = itertools.count(20000)
        self._history_ids = itertools.count(30000)
        self._link_ids = itertools.count(40000)

    # ---------------------------------------------------------------- lookup
    def get(self, id_or_key) -> Issue | None:
        s = str(id_or_key)
        if s.isdigit():
            return self.issues.get(int(s))
        iid = self.by_key.get(s.upper())
        return self.issues.get(iid) if iid is not None else None

    def ordered(self) -> list[Issue]:
        return list(self.issues.values())

    def children(self, issue: Issue) -> list[Issue]:
        return [i for i in self.issues.values() if i.parent_id == issue.id]

    def links_of(self, issue: Issue) -> list[Link]:
        return [l for l in self.links.values() if issue.id in (l.inward_id, l.outward_id)]

    def board_sprints(self, board_id: int) -> list[Sprint]:
        return sorted((s for s in self.sprints.values() if s.board_id == board_id), key=lambda s: s.id)

    # ---------------------------------------------------------------- mutation
    def new_issue(self, *, project_key: str, created: datetime, **kw) -> Issue:
        with self.lock:
            self.counters[project_key] += 1
            iid = next(self._issue_ids)
            key = f"{project_key}-{self.counters[project_key]}"
            issue = Issue(id=iid, key=key, project_key=project_key, created=created, updated=created,
                          status_changed=created, **kw)
            self.issues[iid] = issue
            self.by_key[key] = iid
            return issue

    def add_history(self, issue: Issue, author: str, when: datetime, items: list[ChangeItem]) -> History | None:
        if not items:
            return None
        h = History(next(self._history_ids), author, when, items)
        issue.histories.append(h)
        issue.updated = max(issue.updated, when)
        return h

    def add_comment(self, issue: Issue, author: str, body: dict, when: datetime) -> Comment:
        c = Comment(next(self._comment_ids), author, body, when, when)
        issue.comments.append(c)
        issue.updated = max(issue.updated, when)
        return c

    def add_link(self, type_id: str, inward: Issue, outward: Issue) -> Link:
        """``outward`` <outward verb> ``inward``: for Blocks, outward blocks inward."""
        l = Link(next(self._link_ids), type_id, inward.id, outward.id)
        self.links[l.id] = l
        return l

    def set_status(self, issue: Issue, status_id: str, author: str, when: datetime,
                   resolution_id: str | None = None) -> None:
        old = issue.status
        new = C.STATUS_BY_ID[status_id]
        items = [ChangeItem("status", "status", old.id, old.name, new.id, new.name)]
        issue.status_id = status_id
        if old.category != new.category:
            issue.status_changed = when
        if new.category == "done":
            rid = resolution_id or "10000"
            if issue.resolution_id != rid:
                items.append(ChangeItem("resolution", "resolution", issue.resolution_id,
                                        C.RESOLUTION_BY_ID[issue.resolution_id].name if issue.resolution_id else None,
                                        rid, C.RESOLUTION_BY_ID[rid].name))
            issue.resolution_id = rid
            issue.resolved = when
        elif issue.resolution_id:
            items.append(ChangeItem("resolution", "resolution", issue.resolution_id,
                                    C.RESOLUTION_BY_ID[issue.resolution_id].name, None, None))
            issue.resolution_id = None
            issue.resolved = None
        self.add_history(issue, author, when, items)

    def sprint_name(self, ids: list[int]) -> str | None:
        names = [self.sprints[i].name for i in ids if i in self.sprints]
        return ", ".join(names) if names else None

    def move_to_sprint(self, issue: Issue, sprint_id: int | None, author: str, when: datetime) -> None:
        old = list(issue.sprint_ids)
        if sprint_id is None:
            new = [s for s in old if self.sprints[s].state == "closed"]
        else:
            new = [s for s in old if self.sprints[s].state == "closed" and s != sprint_id] + [sprint_id]
        if new == old:
            return
        issue.sprint_ids = new
        self.add_history(issue, author, when, [ChangeItem(
            "Sprint", C.CF_SPRINT, ",".join(map(str, old)) or None, self.sprint_name(old),
            ",".join(map(str, new)) or None, self.sprint_name(new))])
