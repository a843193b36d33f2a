"""Arguments for the i-th call of each benchmark workload: distinct keys and queries, so that no call coalesces.

Our servers let identical reads that are in flight at the same moment share one execution (`shared.coalesce`).
A throughput run whose 32 clients repeat one query would then measure a fraction of the work per call. Every
generator below gives call `i` arguments that differ from those of the next few hundred calls; the one run that
repeats a call on purpose says so in its label ("identical calls, coalesced").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .load import Call, MakeCall

# The Jira seed (sandbox/atlassian/jira/seed.py, seed 42): 140 SHOP, 90 OPS and 90 MOB issues.
ISSUE_KEYS = [f"{p}-{n}" for p, count in (("SHOP", 140), ("OPS", 90), ("MOB", 90)) for n in range(1, count + 1)]
PROJECTS = ("SHOP", "OPS", "MOB")
JQL_IDENTICAL = "project = SHOP ORDER BY updated DESC"
ASSIGNEE = "paul.martin@example.com"  # assignable in SHOP; an e-mail both sides accept
# Issues were created over the 90 days before `now`; up to 40 days back every project still has 20 matches.
_MAX_HOURS_BACK = 960

# Words of the Jira seed's summaries, each in several issues (text search).
JIRA_WORDS = (
    "access expires crashes session product checkout intermittently returns remember choices customer history "
    "order rights review timeout input fails search migrate metrics dependencies upgrade promo codes document "
    "layout screens broken accessibility improve wishlist wrong shows total links guest invoice shopping "
    "currencies support multiple feature flags stock speed certificates image caching purchases kubernetes "
    "cluster offline monitoring alerts report retention notifications reviews tests write update store listing "
    "changes implement configuration overhaul reliability redesign provisioning laptop backup crash reporting "
    "biometric unlock gateway payment login screen onboarding calculator shipping database failover"
).split()

# Words of the Confluence seed, each in at least 12 pages, so a 10-result search fills its page.
CONFLUENCE_WORDS = (
    "percentile agreed behind monitoring quarter launch external security catalogue finops tracked reviewed "
    "monthly region starting france rollout happens release checkout system health during freeze weekly webshop "
    "postmortem dashboard approval paging default without access verify kubectl command configured production "
    "prerequisites orders complete decisions status redesign decided incomplete actions requirements attendees "
    "unblock progress discussion events issues friction conversion reduce increase designs analytics "
    "related importance accessible requirement metrics decision owners design migration operational consequences "
    "context highlights pricing accepted adding incident summary customers mitigated minutes resolved declared "
    "timeline follow shipping tuesdays traffic monday threshold method overview endpoints escalate vendor "
    "existing components payment postpone retrospective sprint runbook"
).split()

# The Confluence seed: current pages 98305-98619 (98618 is the macro-rich design page). Left out: the ~212 KB
# page 98619, the draft 98620, the archived 98621 and the restricted 98622.
PAGE_IDS = [str(n) for n in range(98305, 98619)]
DESIGN_PAGE_ID = "98618"


def issue_key(i: int) -> str:
    """SHOP-1 … MOB-90, one issue after the other: 320 calls before a key repeats."""
    return ISSUE_KEYS[i % len(ISSUE_KEYS)]


def distinct_jql(i: int) -> str:
    """A different JQL text for every call in a window of 2,880: project and creation cut-off both vary."""
    project = PROJECTS[i % len(PROJECTS)]
    hours = 1 + (i // len(PROJECTS)) % _MAX_HOURS_BACK
    return f"project = {project} AND created <= -{hours}h ORDER BY updated DESC"


def jira_word(i: int) -> str:
    return JIRA_WORDS[i % len(JIRA_WORDS)]


def confluence_word(i: int) -> str:
    return CONFLUENCE_WORDS[i % len(CONFLUENCE_WORDS)]


def page_id(i: int) -> str:
    return PAGE_IDS[i % len(PAGE_IDS)]


def get_issue_args(i: int) -> dict[str, Any]:
    return {"key": issue_key(i)}


def search_issues_args(i: int) -> dict[str, Any]:
    return {"jql": distinct_jql(i), "limit": 20}


def search_issues_identical(i: int) -> dict[str, Any]:
    return {"jql": JQL_IDENTICAL, "limit": 20}


# --------------------------------------------------------------------------- side by side (bench.compare)


@dataclass(frozen=True)
class Workload:
    key: str
    label: str
    product: str  # "jira" | "confluence"
    ours: MakeCall
    theirs: MakeCall
    size_sample: int = 0  # the call index whose result is sized


def _create(tool: str, project_arg: str) -> MakeCall:
    return lambda i: Call(
        tool, {project_arg: "SHOP", "summary": f"Bench issue {i}", "issue_type": "Task", "assignee": ASSIGNEE}
    )


WORKLOADS = [
    Workload(
        "search20",
        "JQL search, 20 issues",
        "jira",
        lambda i: Call("jira_search_issues", {"jql": distinct_jql(i), "limit": 20}),
        lambda i: Call("jira_search", {"jql": distinct_jql(i), "limit": 20}),
    ),
    Workload(
        "get_issue",
        "get one issue",
        "jira",
        lambda i: Call("jira_get_issue", {"key": issue_key(i)}),
        lambda i: Call("jira_get_issue", {"issue_key": issue_key(i)}),
    ),
    Workload(
        "create",
        "create an issue with an assignee",
        "jira",
        _create("jira_create_issue", "project"),
        _create("jira_create_issue", "project_key"),
    ),
    Workload(
        "cf_search",
        "Confluence text search (10 results)",
        "confluence",
        lambda i: Call("confluence_search_pages", {"query": confluence_word(i), "limit": 10}),
        lambda i: Call("confluence_search", {"query": confluence_word(i), "limit": 10}),
        size_sample=CONFLUENCE_WORDS.index("checkout"),
    ),
    Workload(
        "get_page",
        "get a page",
        "confluence",
        lambda i: Call("confluence_get_page", {"id": page_id(i)}),
        lambda i: Call("confluence_get_page", {"page_id": page_id(i)}),
        size_sample=PAGE_IDS.index(DESIGN_PAGE_ID),
    ),
]
# The same JQL from every client: our coalescing shares executions; shown apart, labelled, never a goal.
COALESCED = Workload(
    "search20_same",
    "JQL search, 20 issues (identical calls, coalesced)",
    "jira",
    lambda i: Call("jira_search_issues", {"jql": JQL_IDENTICAL, "limit": 20}),
    lambda i: Call("jira_search", {"jql": JQL_IDENTICAL, "limit": 20}),
)
