"""Static site configuration: projects, issue types, statuses, workflow, priorities, fields and screens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import users as U

CLOUD_ID = "0f5c2d7e-3b1a-4f8e-9c6d-2a4b8e1f7c30"
SITE_NAME = "sandbox"

# ---------------------------------------------------------------- statuses & workflow
STATUS_CATEGORIES: dict[str, dict[str, Any]] = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str
    description: str = ""


STATUSES = [
    Status("10000", "To Do", "new", "Work that has not been started."),
    Status("3", "In Progress", "indeterminate", "This issue is being actively worked on."),
    Status("10001", "In Review", "indeterminate", "Waiting for a code or peer review."),
    Status("10002", "Blocked", "indeterminate", "Work cannot continue until an impediment is removed."),
    Status("10003", "Done", "done", "Work is complete."),
]
STATUS_BY_ID = {s.id: s for s in STATUSES}
STATUS_BY_NAME = {s.name.lower(): s for s in STATUSES}
TODO, IN_PROGRESS, IN_REVIEW, BLOCKED, DONE = (s.id for s in STATUSES)


@dataclass(frozen=True)
class Transition:
    id: str
    name: str
    to: str
    sources: tuple[str, ...]


TRANSITIONS = [
    Transition("11", "To Do", TODO, (IN_PROGRESS, BLOCKED)),
    Transition("21", "Start Progress", IN_PROGRESS, (TODO, IN_REVIEW)),
    Transition("31", "Submit for Review", IN_REVIEW, (IN_PROGRESS,)),
    Transition("41", "Done", DONE, (TODO, IN_PROGRESS, IN_REVIEW)),
    Transition("51", "Block", BLOCKED, (TODO, IN_PROGRESS, IN_REVIEW)),
    Transition("61", "Unblock", IN_PROGRESS, (BLOCKED,)),
    Transition("71", "Reopen", TODO, (DONE,)),
]
TRANSITION_BY_ID = {t.id: t for t in TRANSITIONS}


def transitions_from(status_id: str) -> list[Transition]:
    return [t for t in TRANSITIONS if status_id in t.sources]


# ---------------------------------------------------------------- priorities, resolutions, types
@dataclass(frozen=True)
class Named:
    id: str
    name: str
    description: str = ""
    color: str = "#000000"


PRIORITIES = [  # most to least severe (ORDER BY priority DESC puts Blocker first)
    Named("10000", "Blocker", "Blocks development and/or testing work.", "#8b0000"),
    Named("1", "Highest", "This problem will block progress.", "#d04437"),
    Named("2", "High", "Serious problem that could block progress.", "#f15C75"),
    Named("3", "Medium", "Has the potential to affect progress.", "#f79232"),
    Named("4", "Low", "Minor problem or easily worked around.", "#707070"),
    Named("5", "Lowest", "Trivial problem with little or no impact on progress.", "#999999"),
]
PRIORITY_BY_ID = {p.id: p for p in PRIORITIES}
PRIORITY_BY_NAME = {p.name.lower(): p for p in PRIORITIES}
PRIORITY_RANK = {p.id: len(PRIORITIES) - i for i, p in enumerate(PRIORITIES)}
DEFAULT_PRIORITY = "3"

RESOLUTIONS = [
    Named("10000", "Done", "Work has been completed on this issue."),
    Named("10001", "Won't Do", "This issue won't be actioned."),
    Named("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
    Named("10003", "Cannot Reproduce", "All attempts at reproducing this issue failed."),
]
RESOLUTION_BY_ID = {r.id: r for r in RESOLUTIONS}
RESOLUTION_BY_NAME = {r.name.lower(): r for r in RESOLUTIONS}


@dataclass(frozen=True)
class IssueType:
    id: str
    name: str
    description: str
    subtask: bool = False
    hierarchy: int = 0
    avatar: int = 10300


ISSUE_TYPES = [
    IssueType("10000", "Epic", "A big user story that needs to be broken down.", hierarchy=1, avatar=10307),
    IssueType("10001", "Task", "A small, distinct piece of work.", avatar=10318),
    IssueType("10002", "Story", "Functionality or a feature expressed as a user goal.", avatar=10315),
    IssueType(
        "10003",
        "Sub-task",
        "A small piece of work that's part of a larger task.",
        subtask=True,
        hierarchy=-1,
        avatar=10316,
    ),
    IssueType("10004", "Bug", "A problem or error.", avatar=10303),
]
ITYPE_BY_ID = {t.id: t for t in ISSUE_TYPES}
ITYPE_BY_NAME = {t.name.lower(): t for t in ISSUE_TYPES}
EPIC, TASK, STORY, SUBTASK, BUG = (t.id for t in ISSUE_TYPES)

LINK_TYPES = [
    {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    {"id": "10001", "name": "Cloners", "inward": "is cloned by", "outward": "clones"},
    {"id": "10002", "name": "Duplicate", "inward": "is duplicated by", "outward": "duplicates"},
    {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
]
LINK_TYPE_BY_NAME = {t["name"].lower(): t for t in LINK_TYPES}
LINK_TYPE_BY_ID = {t["id"]: t for t in LINK_TYPES}

# ---------------------------------------------------------------- custom fields
CF_TEAM = "customfield_10001"
CF_EPIC_LINK = "customfield_10014"
CF_STORY_POINTS = "customfield_10016"
CF_SPRINT = "customfield_10020"
CF_FLAGGED = "customfield_10021"
CF_ACCEPTANCE = "customfield_10030"

FLAGGED_OPTION = {"id": "10019", "value": "Impediment"}
TEAM_OPTIONS = [
    {"id": "10100", "value": "Payments"},
    {"id": "10101", "value": "Platform"},
    {"id": "10102", "value": "Mobile Core"},
    {"id": "10103", "value": "SRE"},
]


@dataclass(frozen=True)
class FieldDef:
    id: str
    name: str
    schema: dict
    navigable: bool = True
    orderable: bool = True
    searchable: bool = True
    clause_names: tuple[str, ...] = ()
    rich_text: bool = False

    @property
    def custom(self) -> bool:
        return self.id.startswith("customfield_")


def _sys(id_, name, type_, items=None, *, clauses=(), nav=True, order=True, rich=False):
    schema = {"type": type_, "system": id_}
    if items:
        schema["items"] = items
    return FieldDef(id_, name, schema, nav, order, True, clauses or (id_,), rich)


def _cf(num, name, type_, custom, items=None, *, clauses=(), rich=False):
    schema = {"type": type_, "custom": custom, "customId": num}
    if items:
        schema["items"] = items
    return FieldDef(f"customfield_{num}", name, schema, True, True, True, (f"cf[{num}]", name) + tuple(clauses), rich)


FIELDS = [
    _sys("summary", "Summary", "string"),
    _sys("description", "Description", "string", rich=True),
    _sys("environment", "Environment", "string", rich=True),
    _sys("issuetype", "Issue Type", "issuetype", clauses=("issuetype", "type")),
    _sys("project", "Project", "project"),
    _sys("priority", "Priority", "priority"),
    _sys("status", "Status", "status", order=False),
    _sys("resolution", "Resolution", "resolution"),
    _sys("resolutiondate", "Resolved", "datetime", clauses=("resolved", "resolutiondate"), order=False),
    _sys("assignee", "Assignee", "user"),
    _sys("reporter", "Reporter", "user"),
    _sys("creator", "Creator", "user", order=False),
    _sys("labels", "Labels", "array", "string"),
    _sys("created", "Created", "datetime", clauses=("created", "createdDate"), order=False),
    _sys("updated", "Updated", "datetime", clauses=("updated", "updatedDate"), order=False),
    _sys("statuscategorychangedate", "Status Category Changed", "datetime", order=False),
    _sys("duedate", "Due date", "date", clauses=("due", "duedate")),
    _sys("parent", "Parent", "issuelink", clauses=("parent",)),
    _sys("subtasks", "Sub-tasks", "array", "issuelinks", clauses=("subtasks",), order=False),
    _sys("issuelinks", "Linked Issues", "array", "issuelinks", clauses=("issueLink",)),
    _sys("comment", "Comment", "comments-page", nav=False),
    _sys("components", "Components", "array", "component", clauses=("component",)),
    _sys("fixVersions", "Fix versions", "array", "version", clauses=("fixVersion",)),
    _sys("attachment", "Attachment", "array", "attachment", clauses=("attachments",), nav=False),
    _sys("worklog", "Log Work", "array", "worklog", nav=False),
    _sys("timetracking", "Time tracking", "timetracking", nav=False),
    _sys("watches", "Watchers", "watches", clauses=("watchers",), order=False),
    _sys("votes", "Votes", "votes", order=False),
    _cf(10001, "Team", "option", "com.atlassian.jira.plugin.system.customfieldtypes:select"),
    _cf(
        10016,
        "Story point estimate",
        "number",
        "com.atlassian.jira.plugin.system.customfieldtypes:float",
        clauses=("Story Points",),
    ),
    _cf(10020, "Sprint", "array", "com.pyxis.greenhopper.jira:gh-sprint", "json", clauses=("sprint",)),
    _cf(
        10021,
        "Flagged",
        "array",
        "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
        "option",
        clauses=("flagged",),
    ),
    _cf(
        10030, "Acceptance Criteria", "string", "com.atlassian.jira.plugin.system.customfieldtypes:textarea", rich=True
    ),
]
FIELD_BY_ID = {f.id: f for f in FIELDS}
RICH_TEXT_FIELDS = {f.id for f in FIELDS if f.rich_text}

# ---------------------------------------------------------------- projects and screens
BASE_SCREEN = (
    "summary",
    "issuetype",
    "project",
    "description",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "duedate",
    "parent",
    "components",
    "fixVersions",
)
SOFTWARE_EXTRA = (CF_SPRINT, CF_STORY_POINTS, CF_TEAM, CF_FLAGGED)


@dataclass
class Project:
    id: str
    key: str
    name: str
    type_key: str
    lead: str  # localpart
    members: tuple[str, ...]  # localparts of users who can be assigned issues
    issue_types: tuple[str, ...]
    screens: dict[str, tuple[str, ...]] = field(default_factory=dict)
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""

    def screen(self, issuetype_id: str) -> tuple[str, ...]:
        return self.screens[issuetype_id]

    def required_fields(self, issuetype_id: str) -> tuple[str, ...]:
        base = ("summary", "issuetype", "project")
        extra = ("parent",) if ITYPE_BY_ID[issuetype_id].subtask else ()
        return base + extra + self.required.get(issuetype_id, ())

    @property
    def lead_account_id(self) -> str:
        return U.BY_LOCALPART[self.lead].account_id

    def member_users(self) -> list[U.User]:
        return [U.BY_LOCALPART[m] for m in self.members]


_ALL_ACTIVE = tuple(u.localpart for u in U.USERS if u.active)

PROJECTS = [
    Project(
        "10000",
        "SHOP",
        "Webshop",
        "software",
        "alice",
        members=tuple(m for m in _ALL_ACTIVE if m not in ("pauline.durand", "yasmin", "zoe")),
        issue_types=(EPIC, STORY, TASK, BUG, SUBTASK),
        screens={
            EPIC: BASE_SCREEN + (CF_TEAM, CF_FLAGGED, CF_ACCEPTANCE),
            STORY: BASE_SCREEN + SOFTWARE_EXTRA + (CF_ACCEPTANCE,),
            TASK: BASE_SCREEN + SOFTWARE_EXTRA,
            # Team is NOT on the SHOP Bug screen: sending it is silently ignored.
            BUG: BASE_SCREEN + ("environment", CF_SPRINT, CF_STORY_POINTS, CF_FLAGGED),
            SUBTASK: BASE_SCREEN + (CF_FLAGGED,),
        },
        required={BUG: ("description",)},
        description="Customer-facing online shop: catalogue, cart, checkout and payments.",
    ),
    Project(
        "10001",
        "OPS",
        "Operations",
        "business",
        "bob",
        members=(
            "bob",
            "carol",
            "dave",
            "frank",
            "heidi",
            "paul.martin",
            "pauline.durand",
            "rupert",
            "walter",
            "alice",
        ),
        issue_types=(EPIC, TASK, BUG, SUBTASK),
        screens={
            EPIC: BASE_SCREEN + (CF_TEAM,),
            # environment is NOT on the OPS Task screen: sending it is silently ignored.
            TASK: BASE_SCREEN + (CF_TEAM, CF_FLAGGED),
            BUG: BASE_SCREEN + ("environment", CF_TEAM, CF_FLAGGED),
            SUBTASK: BASE_SCREEN,
        },
        description="Infrastructure, on-call and internal IT requests.",
    ),
    Project(
        "10002",
        "MOB",
        "Mobile App",
        "software",
        "judy",
        members=(
            "judy",
            "alice",
            "erin",
            "ivan",
            "olivia",
            "peggy",
            "trent",
            "victor",
            "yasmin",
            "zoe",
            "niaj",
            "pauline.durand",
        ),
        issue_types=(EPIC, STORY, TASK, BUG, SUBTASK),
        screens={
            EPIC: BASE_SCREEN + (CF_TEAM, CF_FLAGGED),
            STORY: BASE_SCREEN + SOFTWARE_EXTRA + (CF_ACCEPTANCE,),
            TASK: BASE_SCREEN + SOFTWARE_EXTRA,
            BUG: BASE_SCREEN + ("environment",) + SOFTWARE_EXTRA,
            SUBTASK: BASE_SCREEN + (CF_FLAGGED,),
        },
        description="iOS and Android apps.",
    ),
]
PROJECT_BY_KEY = {p.key: p for p in PROJECTS}
PROJECT_BY_ID = {p.id: p for p in PROJECTS}
SILENTLY_DROPPED = {"environment", CF_TEAM}  # known fields that Jira drops when absent from the screen


# Components and versions each project starts with: (name, description) and (name, released, release date).
COMPONENTS = {
    "SHOP": [("Checkout", "Cart, checkout and payment pages."), ("Catalogue", "Product listing and search.")],
    "OPS": [("Infrastructure", "Servers, networks and cloud accounts."), ("On-call", "Paging and rotas.")],
    "MOB": [("iOS", "The iPhone and iPad app."), ("Android", "The Android app.")],
}
VERSIONS: dict[str, list[tuple[str, bool, str | None]]] = {
    "SHOP": [("2026.10", True, "2026-10-15"), ("2026.12", False, "2026-12-15")],
    "OPS": [],
    "MOB": [("3.4.0", True, "2026-09-30"), ("3.5.0", False, None)],
}


def project(id_or_key: str | None) -> Project | None:
    if id_or_key is None:
        return None
    s = str(id_or_key)
    return PROJECT_BY_KEY.get(s.upper()) or PROJECT_BY_ID.get(s)
