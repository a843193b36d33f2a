"""The mail benchmark's processes and mailboxes: a sandbox and `connectors serve mail` per provider, and Alice's
mail, sent to her through each provider's own API before the clock starts.

Neither emulator has an import call (Gmail's `messages.insert`/`import` are not emulated; Graph creates messages
as drafts), so the mail arrives as mail does: Bob sends it (Gmail `messages.send`, Graph `sendMail`) and the
sandbox delivers a copy to Alice's Inbox.
- `count` messages that all match one search (the word `ledger`), each with its own order number (a distinct
  query per call for the throughput runs) and its own text;
- one 50-message thread between Alice and Bob, each message a reply to the one before with its own text and the
  whole earlier conversation quoted below it, as both mail clients write replies (Gmail: `In-Reply-To` and
  `References`; Graph: the `reply` action, which quotes the original itself).
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import httpx

from sandbox.common.control import SandboxControl

from .procs import Proc, start_process
from .servers import CLI, clean_env
from .storage_fixture import start_site

SEARCH_WORD = "ledger"  # in every search message and nowhere in the seeded mailboxes
THREAD_SUBJECT = "Warehouse move: the 50 questions"
GOOGLE = {"alice": ("ya29.sandbox-alice", "alice@example.com"), "bob": ("ya29.sandbox-bob", "bob@example.com")}
GRAPH = {"alice": ("demo-alice", "alice@contoso.example"), "bob": ("demo-bob", "bob@contoso.example")}
UNTHROTTLED = "100000"
# Exchange's per-mailbox limits (4 in flight, 10,000 requests per 10 minutes), and the raised ones of "throttles off".
EXCHANGE_LIMITS = {"concurrency": 4, "requests_per_10_minutes": 10_000}
RAISED_LIMITS = {"concurrency": 10_000, "requests_per_10_minutes": 100_000_000}


@dataclass
class MailSite:
    """One provider under benchmark: its sandbox and the connector ids of Alice's seeded mail."""

    provider: str  # gmail | outlook
    sandbox: Proc
    ca: str | None  # the Microsoft sandbox's CA file (HTTPS); None for Google (HTTP)
    control: SandboxControl
    orders: list[int] = field(default_factory=list)  # order numbers of the search messages, in sending order
    messages: list[str] = field(default_factory=list)  # their connector ids (gmail:..., outlook:...)
    thread: str = ""  # connector id of one message of the 50-message thread

    def throttles(self, on: bool) -> None:
        """Sandbox limits as at the provider (`on`), or out of the way (Gmail's quota units, Exchange's per-mailbox
        limits, the common burst limits)."""
        self.control.configure(rate_limits=on)
        if self.provider == "outlook":
            limits = EXCHANGE_LIMITS if on else RAISED_LIMITS
            self.control.http.post(f"{self.control.base}/mail/config", json=limits, timeout=10).raise_for_status()


def order_number(n: int) -> int:
    return 70000 + n


def search_text(n: int) -> tuple[str, str]:
    """(subject, body) of search message `n`: its own order number and sentences."""
    order = order_number(n)
    subject = f"Ledger update for order {order}"
    body = (
        f"Hello Alice,\n\nThe ledger for order {order} is closed: {n % 17 + 2} pallets shipped to depot "
        f"{n % 11 + 1}, invoice total {1000 + 37 * n} euros, paid on day {n % 28 + 1}.\n"
        f"Line {n}: nothing else is open on this order.\n\nBob\n"
    )
    return subject, body


def thread_text(k: int) -> str:
    return (
        f"Question {k + 1} of 50 about the warehouse move: can rack row {k % 9 + 1} be emptied by "
        f"{['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'][k % 5]} at {8 + k % 9}:00, and who signs "
        f"form W-{300 + k}? ({_marker(k)})"
    )


def start_mail_site(provider: str, logdir: Path) -> MailSite:
    site = start_site("google-drive" if provider == "gmail" else "onedrive", logdir)
    return MailSite(provider, site.sandbox, site.ca, site.control)


def mail_env(**extra: str) -> dict[str, str]:
    """`clean_env` without any mail or sign-in setting of the shell, plus `extra`."""
    return {k: v for k, v in clean_env().items() if not k.startswith(("MAIL_", "AUTH_"))} | extra


def start_mail(site: MailSite, logdir: Path, *, unthrottled: bool) -> Proc:
    from shared.testing import free_port

    port = free_port()
    if site.provider == "gmail":
        env = {"MAIL_GOOGLE_ROOT_URL": site.sandbox.url, "MAIL_GOOGLE_TOKEN": GOOGLE["alice"][0]}
    else:
        env = {
            "MAIL_GRAPH_URL": site.sandbox.url + "/v1.0",
            "MAIL_GRAPH_TOKEN": GRAPH["alice"][0],
            "MAIL_GRAPH_CA_FILE": site.ca or "",
        }
    env["MAIL_PROVIDERS"] = site.provider
    if unthrottled:
        env["MAIL_RATE_LIMIT_PER_SECOND"] = UNTHROTTLED
    setting = "throttles off" if unthrottled else "default settings"
    cmd = [*CLI, "serve", "mail", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    return start_process(f"mail {site.provider} {setting}", cmd, mail_env(**env), base, "/healthz", logdir, 60)


def seed(site: MailSite, count: int) -> None:
    """Alice's search messages and thread, through the provider's API with the sandbox's limits off."""
    site.throttles(False)
    if site.provider == "gmail":
        _seed_gmail(site, count)
    else:
        _seed_graph(site, count)


# --------------------------------------------------------------------------- Gmail


def _raw(sender: str, to: str, subject: str, body: str, hours_ago: float, **headers: str) -> dict[str, str]:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = format_datetime(datetime.now(UTC) - timedelta(hours=hours_ago))  # distinct dates: a clear order
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return {"raw": base64.urlsafe_b64encode(mail.as_bytes()).decode()}


def _seed_gmail(site: MailSite, count: int) -> None:
    from sandbox.google.gmail.testing import gmail_service

    users = {who: gmail_service(site.sandbox.url, token).users() for who, (token, _) in GOOGLE.items()}
    alice, bob = GOOGLE["alice"][1], GOOGLE["bob"][1]
    for n in range(count):
        subject, body = search_text(n)
        users["bob"].messages().send(userId="me", body=_raw(bob, alice, subject, body, 100 + (count - n) / 60)).execute(
            num_retries=3
        )
        site.orders.append(order_number(n))
    ids: list[str] = []
    quoted = ""
    for k in range(50):
        who, other = ("bob", "alice") if k % 2 == 0 else ("alice", "bob")
        sender, to = GOOGLE[who][1], GOOGLE[other][1]
        msgid = make_msgid(f"thread{k}", "example.com")
        text = thread_text(k)
        body = text + (f"\n\nOn the day before, {GOOGLE[other][1]} wrote:\n{quoted}" if quoted else "") + "\n"
        headers = {"Message_ID": msgid}
        if ids:
            headers |= {"In_Reply_To": ids[-1], "References": " ".join(ids)}
        subject = THREAD_SUBJECT if k == 0 else f"Re: {THREAD_SUBJECT}"
        raw = _raw(sender, to, subject, body, 50 - k, **headers)
        users[who].messages().send(userId="me", body=raw).execute(num_retries=3)
        ids.append(msgid)
        quoted = "\n".join(f"> {line}" if line else ">" for line in body.rstrip("\n").split("\n"))
    listed = users["alice"].messages().list(userId="me", q=SEARCH_WORD, maxResults=500).execute()
    by_id = [m["id"] for m in listed.get("messages", [])]
    assert len(by_id) == count, f"Gmail: {len(by_id)} messages match {SEARCH_WORD!r}, {count} were sent"
    site.messages = [f"gmail:{m}" for m in reversed(by_id)]  # oldest first, as sent
    found = users["alice"].messages().list(userId="me", q=f'subject:"{THREAD_SUBJECT}"').execute()
    thread = users["alice"].threads().get(userId="me", id=found["messages"][0]["threadId"], format="minimal")
    messages = thread.execute()["messages"]
    assert len(messages) == 50, f"Gmail: the thread holds {len(messages)} messages, not 50"
    site.thread = f"gmail:{messages[0]['id']}"


# --------------------------------------------------------------------------- Microsoft Graph


def _graph(site: MailSite, who: str) -> httpx.Client:
    return httpx.Client(
        base_url=site.sandbox.url + "/v1.0",
        verify=ssl.create_default_context(cafile=site.ca),
        headers={"Authorization": f"Bearer {GRAPH[who][0]}", "Prefer": 'IdType="ImmutableId"'},
        timeout=60,
    )


def _recipient(address: str) -> list[dict[str, Any]]:
    return [{"emailAddress": {"address": address}}]


def _seed_graph(site: MailSite, count: int) -> None:
    clients = {who: _graph(site, who) for who in GRAPH}
    alice = GRAPH["alice"][1]
    try:
        for n in range(count):
            subject, body = search_text(n)
            message: dict[str, Any] = {"subject": subject, "body": {"contentType": "text", "content": body}}
            message["toRecipients"] = _recipient(alice)
            clients["bob"].post("/me/sendMail", json={"message": message}).raise_for_status()
            site.orders.append(order_number(n))
        message = {"subject": THREAD_SUBJECT, "body": {"contentType": "text", "content": thread_text(0)}}
        first = {"message": message | {"toRecipients": _recipient(alice)}}
        clients["bob"].post("/me/sendMail", json=first).raise_for_status()
        for k in range(1, 50):  # the one who received message k-1 answers it with Graph's reply action
            who = "alice" if k % 2 else "bob"
            latest = _find(clients[who], _marker(k - 1), "inbox")
            clients[who].post(f"/me/messages/{latest}/reply", json={"comment": thread_text(k)}).raise_for_status()
        found = clients["alice"].get("/me/messages", params={"$search": f'"{SEARCH_WORD}"', "$top": 1000})
        items = found.raise_for_status().json()["value"]
        assert len(items) == count, f"Outlook: {len(items)} messages match {SEARCH_WORD!r}, {count} were sent"
        site.messages = [f"outlook:{m['id']}" for m in reversed(items)]  # oldest first, as sent
        site.thread = f"outlook:{_find(clients['alice'], _marker(0), 'inbox', only=False)}"  # any of its messages
        conversation = clients["alice"].get(f"/me/messages/{site.thread.split(':', 1)[1]}").json()["conversationId"]
        params: dict[str, str | int] = {"$filter": f"conversationId eq '{conversation}'", "$top": 1000, "$select": "id"}
        held = clients["alice"].get("/me/messages", params=params).raise_for_status().json()["value"]
        assert len(held) == 50, f"Outlook: the thread holds {len(held)} messages in Alice's mailbox, not 50"
    finally:
        for client in clients.values():
            client.close()


def _marker(k: int) -> str:
    """Words only message `k` of the thread says (its question number and form)."""
    return f"item{k + 1:03d}"


def _find(client: httpx.Client, search: str, folder: str, *, only: bool = True) -> str:
    """The id of the message of `folder` that `search` finds (`only`: the one message)."""
    path = f"/me/mailFolders/{folder}/messages"
    items = client.get(path, params={"$search": f'"{search}"', "$select": "id"}).raise_for_status().json()["value"]
    assert len(items) == 1 or (items and not only), f"Outlook: {len(items)} messages match {search} in {folder}"
    return str(items[0]["id"])
