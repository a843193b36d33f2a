"""Deterministic seed data for the Jira emulator (all timestamps relative to ``now``)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .. import users as U
from . import adf as A
from . import catalog as C
from .store import Board, ChangeItem, Clock, Issue, Sprint, Store

BOARDS = {"SHOP": 1, "MOB": 2}
LABELS = [
    "frontend",
    "backend",
    "checkout",
    "payments",
    "infra",
    "tech-debt",
    "security",
    "ux",
    "performance",
    "customer-reported",
    "regression",
    "ios",
    "android",
    "on-call",
    "release-blocker",
]
TOPICS = {
    "SHOP": [
        "checkout page",
        "shopping cart",
        "product search",
        "payment gateway",
        "order history",
        "promo codes",
        "wishlist",
        "product reviews",
        "shipping calculator",
        "invoice PDF",
        "guest checkout",
        "stock sync",
    ],
    "OPS": [
        "backup job",
        "VPN access",
        "Kubernetes cluster",
        "TLS certificates",
        "log retention",
        "on-call rota",
        "laptop provisioning",
        "monitoring alerts",
        "database failover",
        "SSO configuration",
        "cost report",
    ],
    "MOB": [
        "login screen",
        "push notifications",
        "offline mode",
        "dark mode",
        "app store listing",
        "deep links",
        "biometric unlock",
        "crash reporting",
        "onboarding flow",
        "image caching",
        "in-app purchases",
    ],
}
VERBS = {
    C.BUG: [
        "{t} crashes when the session expires",
        "{t} shows the wrong total",
        "Timeout in {t} under load",
        "{t} fails for non-ASCII input",
        "Broken layout in {t} on small screens",
        "{t} returns 500 intermittently",
    ],
    C.TASK: [
        "Upgrade dependencies of {t}",
        "Add metrics to {t}",
        "Document {t}",
        "Clean up feature flags in {t}",
        "Migrate {t} to the new API",
        "Review access rights for {t}",
    ],
    C.STORY: [
        "As a customer I want {t} to remember my choices",
        "Improve {t} accessibility",
        "Redesign {t}",
        "Support multiple currencies in {t}",
        "Speed up {t}",
    ],
    C.EPIC: ["{t} overhaul", "{t} v2", "Reliability of {t}"],
    C.SUBTASK: ["Write tests for {t}", "Update {t} copy", "QA sign-off for {t}", "Implement API changes for {t}"],
}
COMMENTS = [
    "I can reproduce this on staging.",
    "Looks like a regression from last release.",
    "Pairing with the team on this tomorrow.",
    "PR is up for review.",
    "Customer confirmed the fix works.",
    "Blocked until the vendor replies.",
    "Moving this to the next sprint.",
    "Added logs, see below.",
]


def _description(rng: random.Random, issue_type: str, topic: str, mention_user: U.User) -> dict:
    blocks = [
        A.heading(2, "Context"),
        A.para(
            A.text(f"This concerns the {topic}. See "),
            A.link("the runbook", f"https://wiki.example.com/{topic.replace(' ', '-')}"),
            A.text(" for background. "),
            A.mention(mention_user.account_id, mention_user.display_name),
            A.text(" knows the details."),
        ),
    ]
    if issue_type == C.BUG:
        blocks += [
            A.heading(3, "Steps to reproduce"),
            A.bullets(f"Open the {topic}", "Perform the action twice", "Observe the error", ordered=True),
            A.code(f"ERROR {topic.replace(' ', '_')}: unexpected state (code={rng.randint(100, 999)})", "text"),
            A.table([["Environment", "Result"], ["staging", "fails"], ["production", "fails intermittently"]]),
        ]
    elif issue_type in (C.STORY, C.EPIC):
        blocks += [
            A.heading(3, "Acceptance criteria"),
            A.bullets("Works on desktop and mobile", "Covered by automated tests", "Documented"),
        ]
    else:
        blocks += [A.bullets("Investigate", "Implement", "Verify"), A.code("make test && make deploy", "bash")]
    return A.doc(*blocks)


def build_store(seed: int = 42, now: datetime | None = None, clock: Clock | None = None) -> Store:
    clock = clock or Clock(now)
    now = clock.base
    rng = random.Random(seed)
    store = Store(clock)

    # Boards and sprints (two-week sprints; the active one started 5 days ago)
    sid = 0
    for pkey, bid in BOARDS.items():
        store.boards[bid] = Board(bid, f"{pkey} board", "scrum", pkey)
        active_start = now - timedelta(days=5)
        for n in range(1, 6):
            sid += 1
            offset = (n - 4) * 14
            start = active_start + timedelta(days=offset)
            state = "closed" if n < 4 else ("active" if n == 4 else "future")
            store.sprints[sid] = Sprint(
                sid,
                f"{pkey} Sprint {n}",
                state,
                bid,
                goal=f"Sprint {n} goal for {pkey}",
                start=start if state != "future" else None,
                end=start + timedelta(days=14) if state != "future" else None,
                complete=start + timedelta(days=14) if state == "closed" else None,
            )

    def sprints_of(pkey, state):
        return [
            s.id for s in store.sprints.values() if s.state == state and store.boards[s.board_id].project_key == pkey
        ]

    counts = {"SHOP": 140, "OPS": 90, "MOB": 90}
    for p in C.PROJECTS:
        members = p.member_users()
        epics: list[Issue] = []
        standard: list[Issue] = []
        for n in range(counts[p.key]):
            if n < 6:
                itype = C.EPIC
            elif n > 20 and standard and rng.random() < 0.15:
                itype = C.SUBTASK
            else:
                choices = [t for t in p.issue_types if t not in (C.EPIC, C.SUBTASK)]
                itype = rng.choice(choices)
            topic = rng.choice(TOPICS[p.key])
            created = (
                now
                - timedelta(days=90)
                + timedelta(minutes=int(n * (88 * 24 * 60) / counts[p.key]) + rng.randint(0, 600))
            )
            reporter = rng.choice(members)
            assignee = rng.choice(members) if rng.random() < 0.85 else None
            prio = rng.choices([p_.id for p_ in C.PRIORITIES], [3, 6, 14, 40, 20, 8])[0]
            issue = store.new_issue(
                project_key=p.key,
                created=created,
                issuetype_id=itype,
                summary=rng.choice(VERBS[itype]).format(t=topic).capitalize()
                if itype != C.EPIC
                else VERBS[C.EPIC][n % 3].format(t=topic).capitalize(),
                reporter=reporter.account_id,
                creator=reporter.account_id,
                priority_id=prio,
                assignee=assignee.account_id if assignee else None,
                description=_description(rng, itype, topic, rng.choice(members)) if rng.random() < 0.9 else None,
                labels=sorted(set(rng.sample(LABELS, rng.randint(0, 3)))),
            )
            if itype == C.BUG and rng.random() < 0.6:
                issue.environment = A.doc(
                    A.para(
                        A.text(
                            rng.choice(
                                ["Chrome 126 on macOS", "Firefox ESR", "iOS 17.5", "Android 14", "staging cluster"]
                            )
                        )
                    )
                )
            if p.type_key == "software" and itype in (C.STORY, C.TASK, C.BUG):
                issue.story_points = rng.choice([None, 1, 2, 3, 5, 8, 13])
            if itype not in (C.SUBTASK,) and rng.random() < 0.5:
                issue.team_id = rng.choice(C.TEAM_OPTIONS)["id"]
            if itype == C.STORY and rng.random() < 0.5:
                issue.acceptance = A.doc(A.bullets("Given a user", "When they act", "Then it works"))
            if rng.random() < 0.2:
                issue.duedate = (created + timedelta(days=rng.randint(7, 60))).date().isoformat()
            if itype == C.SUBTASK:
                issue.parent_id = rng.choice(standard).id
            elif itype != C.EPIC and epics and rng.random() < 0.55:
                issue.parent_id = rng.choice(epics).id
            (epics if itype == C.EPIC else standard if itype != C.SUBTASK else []).append(issue)

            # Workflow history up to a target status
            target = rng.choices([C.TODO, C.IN_PROGRESS, C.IN_REVIEW, C.BLOCKED, C.DONE], [25, 20, 10, 5, 40])[0]
            path = {
                C.TODO: [],
                C.IN_PROGRESS: [C.IN_PROGRESS],
                C.IN_REVIEW: [C.IN_PROGRESS, C.IN_REVIEW],
                C.BLOCKED: [C.IN_PROGRESS, C.BLOCKED],
                C.DONE: [C.IN_PROGRESS, C.IN_REVIEW, C.DONE],
            }[target]
            span = (now - timedelta(hours=1) - created).total_seconds()
            times = sorted(created + timedelta(seconds=rng.uniform(0.05, 1.0) * span) for _ in path)
            actor = (assignee or reporter).account_id
            for st, when in zip(path, times, strict=False):
                store.set_status(
                    issue,
                    st,
                    actor,
                    when,
                    resolution_id=rng.choice(["10000", "10000", "10000", "10001", "10002"]) if st == C.DONE else None,
                )
            # Occasional assignee / priority changes
            if rng.random() < 0.3:
                when = created + timedelta(seconds=rng.uniform(0.01, 0.5) * span)
                new_p = rng.choice(C.PRIORITIES)
                if new_p.id != issue.priority_id:
                    store.add_history(
                        issue,
                        reporter.account_id,
                        when,
                        [
                            ChangeItem(
                                "priority",
                                "priority",
                                new_p.id,
                                new_p.name,
                                issue.priority_id,
                                C.PRIORITY_BY_ID[issue.priority_id].name,
                            )
                        ],
                    )
            if assignee and rng.random() < 0.3:
                prev = rng.choice(members)
                when = created + timedelta(seconds=rng.uniform(0.01, 0.4) * span)
                if prev.account_id != assignee.account_id:
                    store.add_history(
                        issue,
                        reporter.account_id,
                        when,
                        [
                            ChangeItem(
                                "assignee",
                                "assignee",
                                prev.account_id,
                                prev.display_name,
                                assignee.account_id,
                                assignee.display_name,
                            )
                        ],
                    )
            issue.histories.sort(key=lambda h: h.created)
            # Comments
            for _ in range(rng.choices([0, 1, 2, 3, 4], [30, 30, 20, 12, 8])[0]):
                who = rng.choice(members)
                body = A.doc(A.para(A.text(rng.choice(COMMENTS))))
                if rng.random() < 0.3:  # a mention follows the text after a space, as Jira's editor writes it
                    other = rng.choice(members)
                    paragraph = body["content"][0]["content"]
                    paragraph[0]["text"] += " "
                    paragraph.append(A.mention(other.account_id, other.display_name))
                store.add_comment(
                    issue, who.account_id, body, created + timedelta(seconds=rng.uniform(0.05, 1.0) * span)
                )
            issue.comments.sort(key=lambda c: c.created)
            # Sprints
            if p.key in BOARDS and itype in (C.STORY, C.TASK, C.BUG):
                closed, active, future = (
                    sprints_of(p.key, "closed"),
                    sprints_of(p.key, "active"),
                    sprints_of(p.key, "future"),
                )
                if issue.status.category == "done":
                    issue.sprint_ids = [rng.choice(closed)] if rng.random() < 0.8 else [rng.choice(closed)] + active
                elif issue.status_id in (C.IN_PROGRESS, C.IN_REVIEW, C.BLOCKED):
                    issue.sprint_ids = active if rng.random() < 0.9 else [rng.choice(closed)] + active
                else:
                    r = rng.random()
                    issue.sprint_ids = active if r < 0.3 else future if r < 0.5 else []
            if rng.random() < 0.05 and issue.status.category != "done":
                issue.flagged = True
            issue.updated = max(
                [issue.created] + [h.created for h in issue.histories] + [c.created for c in issue.comments]
            )

        # Links: some "blocks" and "relates"
        pool = [i for i in store.issues.values() if i.project_key == p.key and i.issuetype_id != C.EPIC]
        for _ in range(len(pool) // 8):
            a, b = rng.sample(pool, 2)
            lt = rng.choices(["10000", "10003", "10002"], [5, 4, 1])[0]
            store.add_link(lt, inward=a, outward=b)

    _blocker_fixtures(store, now)
    return store


def _blocker_fixtures(store: Store, now: datetime) -> None:
    """Well-known blockers in SHOP: priority Blocker, flagged Impediment, or blocked by a link;
    for each kind one whose status last changed more than 48 h ago and one less than 48 h ago."""
    shop = [i for i in store.issues.values() if i.project_key == "SHOP" and i.issuetype_id in (C.STORY, C.TASK, C.BUG)]
    cand = sorted(shop, key=lambda i: i.id)[20:26]
    old, new = timedelta(days=4), timedelta(hours=6)
    kinds = [("priority", old), ("priority", new), ("flag", old), ("flag", new), ("link", old), ("link", new)]
    blocker_source = sorted(shop, key=lambda i: i.id)[30]
    store.set_status(
        blocker_source, C.IN_PROGRESS, blocker_source.reporter, now - timedelta(days=6)
    ) if blocker_source.status_id != C.IN_PROGRESS else None
    for issue, (kind, age) in zip(cand, kinds, strict=False):
        if issue.resolution_id:
            issue.resolution_id, issue.resolved = None, None
        target = C.BLOCKED if kind == "link" else C.IN_PROGRESS
        issue.created = min(issue.created, now - timedelta(days=10))
        # drop all status history, then replay a short path
        issue.histories = [h for h in issue.histories if not any(i.field in ("status", "resolution") for i in h.items)]
        issue.status_id = C.TODO
        issue.status_changed = issue.created
        actor = issue.assignee or issue.reporter
        if target == C.IN_PROGRESS:
            store.set_status(issue, C.IN_PROGRESS, actor, now - age - timedelta(days=3))
            store.set_status(issue, C.IN_REVIEW, actor, now - age - timedelta(days=2))
        else:
            store.set_status(issue, C.IN_PROGRESS, actor, now - age - timedelta(days=2))
        store.set_status(issue, target, actor, now - age)
        issue.histories.sort(key=lambda h: h.created)
        if kind == "priority":
            issue.priority_id = "10000"
        elif kind == "flag":
            issue.flagged = True
        else:
            store.add_link("10000", inward=issue, outward=blocker_source)
        issue.labels = sorted(set(issue.labels) | {"release-blocker"})
        issue.sprint_ids = [s.id for s in store.sprints.values() if s.state == "active" and s.board_id == 1]
