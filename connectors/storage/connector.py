"""The storage connector (Google Drive, OneDrive/SharePoint): its declaration and whole tool surface."""

from collections.abc import Mapping
from pathlib import Path

from shared.connector import Connector, SandboxSite

from .runtime import StorageRuntime
from .settings import StorageSettings
from .sign_in import SIGN_IN
from .tools import browse, changes, find, share, writes

INSTRUCTIONS = (
    "Cloud storage (Google Drive and/or OneDrive/SharePoint) with the user's permissions. Use search then fetch, or "
    'storage_search_files for filters (type, folder, owner "me" or a name, periods like "this week" or "cette '
    'semaine"), then storage_read_file to read long files page by page. Folders, drives and people are given by '
    "name, never by id; when a name is ambiguous the tool lists candidates: ask the user. Ids name their provider "
    "(gdrive:..., onedrive:...); a provider argument is google-drive or onedrive. Sharing outside the "
    "organisation is refused unless the domain is allowed."
)

TOOLS = [
    find.search,
    find.fetch,
    find.search_files,
    browse.list_folder,
    browse.read_file,
    browse.get_file,
    writes.upload_file,
    writes.create_folder,
    writes.move_file,
    share.share_file,
    changes.get_changes,
]


def _sandbox_env(sites: Mapping[str, SandboxSite]) -> dict[str, str]:
    """Both providers against their sandboxes: Drive over HTTP, Graph over HTTPS with the sandbox's own CA."""
    google, microsoft = sites["google"], sites["microsoft"]
    return {
        "STORAGE_PROVIDERS": "google-drive,onedrive",
        "STORAGE_GOOGLE_ROOT_URL": google.url,
        "STORAGE_GOOGLE_TOKEN": google.login["token"],
        "STORAGE_GRAPH_URL": microsoft.url + "/v1.0",
        "STORAGE_GRAPH_TOKEN": microsoft.login["token"],
        "STORAGE_GRAPH_CA_FILE": microsoft.login["ca_file"],
    }


connector = Connector(
    name="storage",
    title="Cloud storage",
    default_port=8003,
    settings=StorageSettings,
    instructions=INSTRUCTIONS,
    tools=TOOLS,
    runtime=StorageRuntime,
    sandboxes=("google", "microsoft"),
    sandbox_env=_sandbox_env,
    tools_budget=10_000,
    search_example="signed contract Acme",
    snapshots=Path(__file__).parent / "tests" / "snapshots",
    sign_in=SIGN_IN,  # per-user: each person's Google and/or Microsoft account (connectors/storage/sign_in.py)
)
