"""Who may see what on the emulated site, for every way of signing in (API token, PAT, static or issued OAuth token).

Everyone browses every Jira project and Confluence space, except the people listed here: Mallory Quinn
(``mallory@example.com``, a contractor) cannot browse the Jira project ``OPS`` nor the Confluence space ``HR``.
Hidden things answer exactly as missing ones do (404 "does not exist or you do not have permission", absent from
lists and searches, "does not exist" in JQL), as on Cloud.
"""

from __future__ import annotations

from . import users as U

# localpart -> hidden Jira project keys / Confluence space keys
HIDDEN_PROJECTS: dict[str, frozenset[str]] = {"mallory": frozenset({"OPS"})}
HIDDEN_SPACES: dict[str, frozenset[str]] = {"mallory": frozenset({"HR"})}


def _localpart(account_id: str) -> str | None:
    u = U.BY_ACCOUNT_ID.get(account_id)
    return u.localpart if u else None


def can_browse_project(account_id: str, project_key: str) -> bool:
    return project_key.upper() not in HIDDEN_PROJECTS.get(_localpart(account_id) or "", frozenset())


def can_view_space(account_id: str, space_key: str) -> bool:
    return space_key.upper() not in HIDDEN_SPACES.get(_localpart(account_id) or "", frozenset())
