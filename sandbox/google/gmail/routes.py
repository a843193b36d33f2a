"""Gmail v1's URL layout (``/gmail/v1/users/{userId}/...``, uploads under ``/upload/gmail/v1/...``) with each
method's scopes and quota units (developers.google.com/workspace/gmail/api/reference/quota)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.routing import Route

from ..tokens import TokenStore
from . import drafts, history, labels, messages, threads
from .context import COMPOSE, LABELS, MAIL, MODIFY, READ, SEND, UnitBudget, gmail_endpoint
from .discovery import response_schema
from .store import GmailStore

U = "/gmail/v1/users/{userId}"
UP = "/upload/gmail/v1/users/{userId}"

# (method, path, handler, scopes, units)
TABLE = (
    ("GET", f"{U}/profile", labels.get_profile, READ, 1),
    ("GET", f"{U}/messages", messages.list_messages, READ, 5),
    ("POST", f"{U}/messages/send", messages.send_message, SEND, 100),
    ("POST", f"{UP}/messages/send", messages.send_message, SEND, 100),
    ("PUT", f"{UP}/messages/send", messages.send_message, SEND, 100),  # resumable chunks
    ("POST", f"{U}/messages/batchModify", messages.batch_modify, MODIFY, 50),
    ("POST", f"{U}/messages/batchDelete", messages.batch_delete, (MAIL,), 50),
    ("DELETE", f"{U}/messages/{{id}}", messages.delete_message, (MAIL,), 10),
    ("GET", f"{U}/messages/{{id}}", messages.get_message, READ, 5),
    ("POST", f"{U}/messages/{{id}}/modify", messages.modify_message, MODIFY, 5),
    ("POST", f"{U}/messages/{{id}}/trash", messages.trash_message, MODIFY, 5),
    ("POST", f"{U}/messages/{{id}}/untrash", messages.untrash_message, MODIFY, 5),
    ("GET", f"{U}/messages/{{messageId}}/attachments/{{id}}", messages.get_attachment, READ, 5),
    ("GET", f"{U}/threads", threads.list_threads, READ, 10),
    ("GET", f"{U}/threads/{{id}}", threads.get_thread, READ, 10),
    ("POST", f"{U}/threads/{{id}}/modify", threads.modify_thread, MODIFY, 10),
    ("POST", f"{U}/threads/{{id}}/trash", threads.trash_thread, MODIFY, 10),
    ("POST", f"{U}/threads/{{id}}/untrash", threads.untrash_thread, MODIFY, 10),
    ("GET", f"{U}/labels", labels.list_labels, READ + LABELS, 1),
    ("POST", f"{U}/labels", labels.create_label, LABELS, 5),
    ("GET", f"{U}/labels/{{id}}", labels.get_label, READ + LABELS, 1),
    ("DELETE", f"{U}/labels/{{id}}", labels.delete_label, LABELS, 5),
    ("GET", f"{U}/drafts", drafts.list_drafts, READ + COMPOSE, 5),
    ("POST", f"{U}/drafts", drafts.create_draft, COMPOSE, 10),
    ("POST", f"{UP}/drafts", drafts.create_draft, COMPOSE, 10),
    ("PUT", f"{UP}/drafts", drafts.create_draft, COMPOSE, 10),
    ("POST", f"{U}/drafts/send", drafts.send_draft, COMPOSE, 100),
    ("POST", f"{UP}/drafts/send", drafts.send_draft, COMPOSE, 100),
    ("PUT", f"{UP}/drafts/send", drafts.send_draft, COMPOSE, 100),
    ("GET", f"{U}/drafts/{{id}}", drafts.get_draft, READ + COMPOSE, 5),
    ("PUT", f"{U}/drafts/{{id}}", drafts.update_draft, COMPOSE, 15),
    ("PUT", f"{UP}/drafts/{{id}}", drafts.update_draft, COMPOSE, 15),
    ("DELETE", f"{U}/drafts/{{id}}", drafts.delete_draft, COMPOSE, 10),
    ("GET", f"{U}/history", history.list_history, READ, 2),
)


def routes(store: GmailStore, tokens: TokenStore, budget: UnitBudget, limits_on: Callable[[], bool]) -> list[Route]:
    endpoint = gmail_endpoint(store, tokens, budget, limits_on)
    return [
        Route(path, endpoint(scopes, units, response_schema(method, path))(handler), methods=[method])
        for method, path, handler, scopes, units in TABLE
    ]
