"""Mail responses (and the tests' requests) validate against Microsoft's Graph v1.0 Mail OpenAPI description
(``specs/graph-v1.0-mail.yml``), cut and relaxed exactly as the drive contract tests do (openapi_graph.py).

The spec names every path ``/users/{user-id}/...`` and spells functions ``microsoft.graph.delta()``, so these
requests use that spelling; the emulator accepts it as well as ``/me/...`` and ``delta``.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import httpx
import pytest
import yaml
from openapi_core import Config, OpenAPI

from .openapi_graph import _open_types_allowed, _refs, _Request, _Response

SPEC = Path(__file__).resolve().parents[1] / "specs" / "graph-v1.0-mail.yml"
U = "/users/alice@contoso.example"
SERVED = [
    "/users/{user-id}/mailFolders",
    "/users/{user-id}/mailFolders/{mailFolder-id}",
    "/users/{user-id}/mailFolders/{mailFolder-id}/childFolders",
    "/users/{user-id}/mailFolders/{mailFolder-id}/messages",
    "/users/{user-id}/mailFolders/{mailFolder-id}/messages/{message-id}",
    "/users/{user-id}/mailFolders/{mailFolder-id}/messages/microsoft.graph.delta()",
    "/users/{user-id}/messages",
    "/users/{user-id}/messages/{message-id}",
    "/users/{user-id}/messages/{message-id}/$value",
    "/users/{user-id}/messages/{message-id}/attachments",
    "/users/{user-id}/messages/{message-id}/attachments/{attachment-id}",
    "/users/{user-id}/messages/{message-id}/attachments/microsoft.graph.createUploadSession",
    "/users/{user-id}/messages/{message-id}/microsoft.graph.createReply",
    "/users/{user-id}/messages/{message-id}/microsoft.graph.createReplyAll",
    "/users/{user-id}/messages/{message-id}/microsoft.graph.createForward",
    "/users/{user-id}/messages/{message-id}/microsoft.graph.move",
    "/users/{user-id}/messages/{message-id}/microsoft.graph.copy",
    "/users/{user-id}/messages/{message-id}/microsoft.graph.send",
]


@lru_cache(maxsize=1)
def mail_openapi() -> OpenAPI:
    full = yaml.load(SPEC.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    paths = {p: full["paths"][p] for p in SERVED}
    components: dict[str, dict] = {}
    pending: set[str] = set()
    _refs(paths, pending)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        target = full["components"][kind][name]
        components.setdefault(kind, {})[name] = target
        _refs(target, pending)
    spec = {k: full[k] for k in ("openapi", "info", "servers")} | {"paths": paths, "components": components}
    _open_types_allowed(spec)
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def validate(response: httpx.Response) -> None:
    request = _Request(response.request)
    mail_openapi().validate_request(request)
    mail_openapi().validate_response(request, _Response(response))


@pytest.fixture(scope="module")
def ids(base_url, ssl_context) -> dict:
    from .conftest import graph_client

    with graph_client(base_url, ssl_context, "demo-alice") as alice:
        inbox = alice.get("/me/mailFolders/inbox").json()["id"]
        forecast = alice.get("/me/messages", params={"$filter": "subject eq 'Q3 forecast'"}).json()["value"][0]
        attachment = alice.get(f"/me/messages/{forecast['id']}/attachments").json()["value"][0]["id"]
        return {"inbox": inbox, "message": forecast["id"], "attachment": attachment}


def test_folders_match_the_spec(alice, ids):
    validate(alice.get(f"{U}/mailFolders"))
    validate(alice.get(f"{U}/mailFolders/{ids['inbox']}"))
    validate(alice.get(f"{U}/mailFolders/{ids['inbox']}/childFolders"))


def test_message_lists_and_messages_match_the_spec(alice, ids):
    validate(alice.get(f"{U}/messages", params={"$top": "25"}))
    validate(alice.get(f"{U}/messages", params={"$search": '"acme"', "$top": "5"}))
    validate(alice.get(f"{U}/mailFolders/{ids['inbox']}/messages", params={"$filter": "isRead eq false"}))
    validate(alice.get(f"{U}/messages/{ids['message']}"))
    validate(alice.get(f"{U}/messages/{ids['message']}", params={"$select": "subject,internetMessageHeaders"}))
    validate(alice.get(f"{U}/mailFolders/{ids['inbox']}/messages/{ids['message']}", params={"$expand": "attachments"}))
    validate(alice.get(f"{U}/messages/{ids['message']}/$value"))


def test_attachments_match_the_spec(alice, ids):
    validate(alice.get(f"{U}/messages/{ids['message']}/attachments"))
    validate(alice.get(f"{U}/messages/{ids['message']}/attachments/{ids['attachment']}"))


def test_delta_matches_the_spec(alice, ids):
    first = alice.get(f"{U}/mailFolders/{ids['inbox']}/messages/microsoft.graph.delta()")
    validate(first)
    assert "@odata.nextLink" in first.json()


def test_writes_match_the_spec(alice, ids, fresh):
    created = alice.post(
        f"{U}/messages",
        json={"subject": "Contract", "toRecipients": [{"emailAddress": {"address": "bob@contoso.example"}}]},
    )
    validate(created)
    draft = created.json()["id"]
    validate(alice.patch(f"{U}/messages/{ids['message']}", json={"isRead": False, "categories": ["Finance"]}))
    validate(alice.post(f"{U}/messages/{ids['message']}/microsoft.graph.createReply", json={"comment": "Thanks"}))
    validate(alice.post(f"{U}/messages/{ids['message']}/microsoft.graph.createReplyAll", json={}))
    validate(alice.post(f"{U}/messages/{ids['message']}/microsoft.graph.createForward", json={"comment": "FYI"}))
    validate(alice.post(f"{U}/messages/{ids['message']}/microsoft.graph.copy", json={"destinationId": "archive"}))
    validate(alice.post(f"{U}/messages/{ids['message']}/microsoft.graph.move", json={"destinationId": "archive"}))
    item = {"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": 5_000_000}}
    validate(alice.post(f"{U}/messages/{draft}/attachments/microsoft.graph.createUploadSession", json=item))
    validate(alice.post(f"{U}/messages/{draft}/microsoft.graph.send"))


def test_errors_match_the_spec(alice, ids):
    validate(alice.get(f"{U}/messages/AAMkAGdoesnotexist"))
    validate(alice.get(f"{U}/messages", params={"$filter": "colour eq 'red'"}))


def test_the_validator_rejects_a_message_of_the_wrong_shape(alice, ids):
    real = alice.get(f"{U}/messages/{ids['message']}")
    broken = httpx.Response(
        200, json={**real.json(), "isRead": "no", "receivedDateTime": "yesterday"}, request=real.request
    )
    with pytest.raises(Exception, match="validat|Invalid"):
        validate(broken)
    assert base64.b64decode(alice.get(f"{U}/messages/{ids['message']}/attachments").json()["value"][0]["contentBytes"])
