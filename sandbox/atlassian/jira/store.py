"""In-memory Jira data: issues, comments, changelogs, links, boards and sprints (one store, two renderings)."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import catalog as C


class Clock:
    """Emulator time: starts at ``now`` and advances with the wall clock."""

    def __init__(self, now: datetime | None = None):
        self.base = (now or datetime.now(UTC)).astimezone(UTC)
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        from datetime import timedelta

        return self.base + timedelta(seconds=time.monotonic() - self._t0)

    def advance(self, seconds: float) -> datetime:
        """Move emulator time forward (the control API's ``POST clock``): "48 hours later", now."""
        from datetime import timedelta

        self.base += timedelta(seconds=seconds)
        return self.now()


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
    inward_id: int  # the issue that "is blocked by"
    outward_id: int  # the issue that "blocks"


@dataclass
class Worklog:
    id: int
    author: str
    started: datetime
    seconds: int
    comment: dict | None  # ADF
    created: datetime
    updated: datetime


@dataclass
class RemoteLink:
    id: int
    global_id: str | None
    object: dict  # {url, title, summary?, icon?, status?}
    application: dict = field(default_factory=dict)
    relationship: str | None = None


@dataclass
class Component:
    id: str
    project_key: str
    name: str
    description: str = ""
    lead: str | None = None  # accountId


@dataclass
class Version:
    id: str
    project_key: str
    name: str
    description: str = ""
    released: bool = False
    archived: bool = False
    release_date: str | None = None
    start_date: str | None = None


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
    components: list[str] = field(default_factory=list)  # Component ids
    fix_versions: list[str] = field(default_factory=list)  # Version ids
    watchers: list[str] = field(default_factory=list)  # accountIds
    votes: int = 0
    worklogs: list[Worklog] = field(default_factory=list)
    remote_links: list[RemoteLink] = field(default_factory=list)

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
        self._worklog_ids = itertools.count(50000)
        self._remote_link_ids = itertools.count(60000)
        self._component_ids = itertools.count(10100)
        self._version_ids = itertools.count(10200)
        self.components: dict[str, Component] = {}
        self.versions: dict[str, Version] = {}
        for pkey, comps in C.COMPONENTS.items():
            for name, desc in comps:
                self.add_component(pkey, name, desc, C.PROJECT_BY_KEY[pkey].lead_account_id)
        for pkey, vers in C.VERSIONS.items():
            for name, released, day in vers:
                self.add_version(pkey, name, released=released, release_date=day)

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
        return [link for link in self.links.values() if issue.id in (link.inward_id, link.outward_id)]

    def board_sprints(self, board_id: int) -> list[Sprint]:
        return sorted((s for s in self.sprints.values() if s.board_id == board_id), key=lambda s: s.id)

    # ---------------------------------------------------------------- mutation
    def new_issue(self, *, project_key: str, created: datetime, **kw) -> Issue:
        with self.lock:
            self.counters[project_key] += 1
            iid = next(self._issue_ids)
            key = f"{project_key}-{self.counters[project_key]}"
            issue = Issue(
                id=iid, key=key, project_key=project_key, created=created, updated=created, status_changed=created, **kw
            )
            issue.watchers = [kw["reporter"]] if kw.get("reporter") else []  # Jira: the reporter watches
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

    def add_worklog(
        self, issue: Issue, author: str, started: datetime, seconds: int, comment: dict | None, when: datetime
    ) -> Worklog:
        w = Worklog(next(self._worklog_ids), author, started, seconds, comment, when, when)
        issue.worklogs.append(w)
        issue.updated = max(issue.updated, when)
        return w

    def add_remote_link(
        self, issue: Issue, global_id: str | None, obj: dict, application: dict, relationship: str | None
    ) -> RemoteLink:
        link = RemoteLink(next(self._remote_link_ids), global_id, obj, application, relationship)
        issue.remote_links.append(link)
        return link

    def add_component(self, project_key: str, name: str, description: str = "", lead: str | None = None) -> Component:
        comp = Component(str(next(self._component_ids)), project_key, name, description, lead)
        self.components[comp.id] = comp
        return comp

    def add_version(self, project_key: str, name: str, **kw) -> Version:
        ver = Version(str(next(self._version_ids)), project_key, name, **kw)
        self.versions[ver.id] = ver
        return ver

    def delete_issue(self, issue: Issue) -> None:
        """Remove an issue with its links (sub-tasks are deleted by the caller first)."""
        self.issues.pop(issue.id, None)
        self.by_key.pop(issue.key, None)
        for lid in [lid for lid, link in self.links.items() if issue.id in (link.inward_id, link.outward_id)]:
            del self.links[lid]

    def add_link(self, type_id: str, inward: Issue, outward: Issue) -> Link:
        """``outward`` <outward verb> ``inward``: for Blocks, outward blocks inward."""
        link = Link(next(self._link_ids), type_id, inward.id, outward.id)
        self.links[link.id] = link
        return link

    def set_status(
        self, issue: Issue, status_id: str, author: str, when: datetime, resolution_id: str | None = None
    ) -> None:
        old = issue.status
        new = C.STATUS_BY_ID[status_id]
        items = [ChangeItem("status", "status", old.id, old.name, new.id, new.name)]
        issue.status_id = status_id
        if old.category != new.category:
            issue.status_changed = when
        if new.category == "done":
            rid = resolution_id or "10000"
            if issue.resolution_id != rid:
                items.append(
                    ChangeItem(
                        "resolution",
                        "resolution",
                        issue.resolution_id,
                        C.RESOLUTION_BY_ID[issue.resolution_id].name if issue.resolution_id else None,
                        rid,
                        C.RESOLUTION_BY_ID[rid].name,
                    )
                )
            issue.resolution_id = rid
            issue.resolved = when
        elif issue.resolution_id:
            items.append(
                ChangeItem(
                    "resolution",
                    "resolution",
                    issue.resolution_id,
                    C.RESOLUTION_BY_ID[issue.resolution_id].name,
                    None,
                    None,
                )
            )
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
        self.add_history(
            issue,
            author,
            when,
            [
                ChangeItem(
                    "Sprint",
                    C.CF_SPRINT,
                    ",".join(map(str, old)) or None,
                    self.sprint_name(old),
                    ",".join(map(str, new)) or None,
                    self.sprint_name(new),
                )
            ],
        )
