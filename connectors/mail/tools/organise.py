"""Organising mail: read/unread, flag, archive, move, label, trash. Never a permanent delete."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.errors import InvalidInput
from shared.tools import Effect, Reply, tool

from ..runtime import MailRuntime

ACTIONS = ("read", "unread", "flag", "unflag", "archive", "move", "label", "unlabel", "trash")
NEEDS_FOLDER = ("move", "label", "unlabel")


class Updated(BaseModel):
    ids: list[str]
    action: str
    folder: str = ""


@tool(
    name="mail_update_messages",
    title="Update messages",
    description="Mark read/unread, flag, archive, move, label (Outlook: category) or trash messages; never a "
    "permanent delete.",
    effect=Effect.CHANGE,
    toolset="organise",
    output=Updated,
    idempotent=True,
    target_arg="ids",
)
async def update_messages(
    rt: MailRuntime,
    ids: Annotated[list[str], Field(description="Message ids", min_length=1, max_length=100)],
    action: Literal["read", "unread", "flag", "unflag", "archive", "move", "label", "unlabel", "trash"],
    folder: Annotated[str, Field(description="Folder or label")] = "",
) -> Reply:
    if action in NEEDS_FOLDER and not folder.strip():
        raise InvalidInput(f"action={action} needs folder: the folder or label name.")
    by_mailbox: dict[tuple[str, str], list[str]] = {}  # (provider, shared mailbox or "") -> native ids
    owners = {}
    for mail_id in ids:
        p, native = rt.client.owner_of(mail_id)
        owners[p.name] = p
        by_mailbox.setdefault((p.name, p.mailbox_of(native)), []).append(native)
    for (name, mailbox), natives in by_mailbox.items():
        p = owners[name]
        target = ""
        if action in NEEDS_FOLDER:
            if p.name == "outlook" and action != "move":
                target = folder.strip()[:100]  # a category: any name, Outlook creates it
            else:
                target = await rt.lookups.folder(p, folder, mailbox)
        await p.update(natives, action, target)
    done = {
        "read": "Marked read",
        "unread": "Marked unread",
        "flag": "Flagged",
        "unflag": "Unflagged",
        "archive": "Archived",
        "move": f"Moved to {folder.strip()}",
        "label": f"Labelled {folder.strip()}",
        "unlabel": f"Removed label {folder.strip()} from",
        "trash": "Moved to trash (recoverable)",
    }[action]
    text = f"{done}: {len(ids)} message(s)."
    return Reply(text, Updated(ids=ids, action=action, folder=folder.strip()), target=",".join(ids)[:200])
