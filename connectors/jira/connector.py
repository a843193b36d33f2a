"""The Jira connector: its declaration and its whole tool surface, on one screen."""

from collections.abc import Mapping
from pathlib import Path

from shared.connector import Connector, SandboxSite, SignInSpec

from .rules import RULES
from .runtime import JiraRuntime
from .settings import JiraSettings
from .tools import actions, changes, directory, issues, rules, search, writes

INSTRUCTIONS = (
    "Jira for this workspace, acting with the signed-in user's permissions. Use search/fetch for quick lookups and "
    'jira_search_issues for filtered lists (it accepts people\'s names, "me", sprint "current", and relative dates '
    "in English or French). Writes resolve names themselves: pass the person's name or e-mail, never ask for account "
    "ids. If a name is ambiguous the tool lists the candidates: ask the user which one. Use dry_run to preview a "
    'create, and reuse the same idempotency_key when retrying a create. To keep watching ("alert me if a ticket '
    'blocks for 48h and create a follow-up"), make a rule with jira_create_rule, its condition in the filters of '
    "jira_search_issues; show its dry_run first."
)

TOOLS = [
    search.search,
    search.search_issues,
    issues.fetch,
    issues.get_issue,
    writes.create_issue,
    writes.update_issue,
    actions.transition_issue,
    actions.add_comment,
    actions.link_issues,
    directory.list_projects,
    directory.find_users,
    directory.list_sprints,
    changes.get_changes,
    rules.create_rule,
    rules.list_rules,
    rules.update_rule,
    rules.delete_rule,
]


def _sandbox_env(sites: Mapping[str, SandboxSite]) -> dict[str, str]:
    site = sites["atlassian"]
    return {"JIRA_URL": site.url, "JIRA_EMAIL": site.login["email"], "JIRA_API_TOKEN": site.login["token"]}


connector = Connector(
    name="jira",
    title="Jira",
    default_port=8001,
    settings=JiraSettings,
    instructions=INSTRUCTIONS,
    tools=TOOLS,
    runtime=JiraRuntime,
    sandboxes=("atlassian",),
    sandbox_env=_sandbox_env,
    tools_budget=12_000,
    toolset_budgets={"rules": 2_500},
    rules=RULES,
    search_example="checkout",
    snapshots=Path(__file__).parent / "tests" / "snapshots",
    sign_in=SignInSpec(
        system="jira",
        upstream_scopes={
            "jira.read": ["read:jira-work", "read:jira-user"],
            "jira.write": ["write:jira-work"],
            "offline_access": ["offline_access"],
        },
        gateway="jira",  # a person's requests go through api.atlassian.com/ex/jira/<their site>
    ),
)
