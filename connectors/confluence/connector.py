"""The Confluence connector: its declaration and its whole tool surface, on one screen."""

from collections.abc import Mapping
from pathlib import Path

from shared.connector import Connector, SandboxSite, SignInSpec

from .runtime import ConfluenceRuntime
from .settings import ConfluenceSettings
from .tools import changes, decisions, pages, search, writes

INSTRUCTIONS = (
    "Confluence for this workspace, acting with the signed-in user's permissions. Use search/fetch for quick lookups, "
    'confluence_search_pages for filtered lists (space, label, contributor "me", relative dates in English or French), '
    "and confluence_find_decisions for decisions of a project over a period. Pages read as markdown in which "
    "[[...#N]] placeholders stand for macros: keep them exactly as they are when writing a page back, and pass the "
    "version you read; on a conflict, re-read the page and apply the change again."
)

TOOLS = [
    search.search,
    search.search_pages,
    search.list_spaces,
    pages.fetch,
    pages.get_page,
    writes.create_page,
    writes.update_page,
    writes.add_comment,
    decisions.find_decisions,
    changes.get_changes,
]


def _sandbox_env(sites: Mapping[str, SandboxSite]) -> dict[str, str]:
    site = sites["atlassian"]
    return {
        "CONFLUENCE_URL": site.url,
        "CONFLUENCE_EMAIL": site.login["email"],
        "CONFLUENCE_API_TOKEN": site.login["token"],
    }


connector = Connector(
    name="confluence",
    title="Confluence",
    default_port=8002,
    settings=ConfluenceSettings,
    instructions=INSTRUCTIONS,
    tools=TOOLS,
    runtime=ConfluenceRuntime,
    sandboxes=("atlassian",),
    sandbox_env=_sandbox_env,
    tools_budget=12_000,
    search_example="checkout",
    snapshots=Path(__file__).parent / "tests" / "snapshots",
    sign_in=SignInSpec(
        system="confluence",
        upstream_scopes={
            "confluence.read": [
                "read:confluence-content.all",
                "read:confluence-space.summary",
                "search:confluence",
                "read:confluence-user",
            ],
            "confluence.write": ["write:confluence-content"],
            "offline_access": ["offline_access"],
        },
        gateway="confluence",  # a person's requests go through api.atlassian.com/ex/confluence/<their site>
    ),
)
