"""Alert channels: e-mail over SMTP, Slack and Microsoft Teams incoming webhooks.

A channel is written as the owner says it: "email" (their own address), "email:someone@acme.com",
"slack" / "teams" (the deployment's webhook, RULES_SLACK_WEBHOOK_URL / RULES_TEAMS_WEBHOOK_URL) or
"slack:<webhook URL>" / "teams:<webhook URL>". Webhook URLs are secrets (whoever has one can post):
they are never shown back, only their host. A webhook may only go to Slack's or Microsoft's webhook
hosts, or to hosts listed in RULES_WEBHOOK_HOSTS, over https (http to loopback only: the sandbox).

Payloads are the documented ones: Slack's `{"text", "blocks"}` (api.slack.com/messaging/webhooks),
Teams' message with an Adaptive Card attachment (learn.microsoft.com, "Create Incoming Webhooks" /
Workflows), which both the classic connectors and Workflows webhooks accept.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from ..auth.crypto import DecryptionFailed, KeyRing
from ..errors import InvalidInput
from ..settings import is_loopback
from .settings import RulesSettings

KINDS = ("email", "slack", "teams")
SAID = (*KINDS, "mail", "e-mail", "courriel")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBHOOK_HOSTS = ("hooks.slack.com", ".webhook.office.com", ".logic.azure.com", ".api.powerplatform.com")
HOW = 'Channels: "email", "email:name@acme.com", "slack", "teams", "slack:<webhook URL>" or "teams:<webhook URL>".'


class DeliveryFailed(Exception):
    """One attempt failed; the message says why, without secrets."""


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str  # plain text, one line per match
    lines: list[str]  # the matches, each with its link, as markdown


def parse_channel(text: str, settings: RulesSettings) -> str:
    """The channel as stored; raises InvalidInput with how to fix it."""
    kind, _, target = text.strip().partition(":")
    kind = kind.strip().lower()
    target = target.strip()
    if kind in SAID[len(KINDS) :]:
        kind = "email"
    if kind not in KINDS:
        raise InvalidInput(f'channel "{text[:80]}" is unknown. {HOW}')
    if kind == "email":
        if target and not EMAIL.match(target):
            raise InvalidInput(f'channel "{text[:80]}": "{target[:60]}" is not an e-mail address. {HOW}')
        if not settings.smtp_host:
            raise InvalidInput("E-mail alerts are not set up on this server (SMTP_HOST). Use slack or teams.")
        return f"email:{target}" if target else "email"
    if not target:
        configured = settings.slack_webhook_url if kind == "slack" else settings.teams_webhook_url
        if configured is None:
            name = f"RULES_{kind.upper()}_WEBHOOK_URL"
            raise InvalidInput(f'No default {kind} webhook on this server ({name}): give "{kind}:<webhook URL>".')
        return kind
    check_webhook(target, settings)
    return f"{kind}:{target}"


def check_webhook(url: str, settings: RulesSettings) -> None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = any(host == h.lstrip(".") or (h.startswith(".") and host.endswith(h)) for h in WEBHOOK_HOSTS)
    allowed = allowed or host in settings.webhook_hosts
    if not allowed:
        raise InvalidInput(
            f"The webhook host {host or '(none)'} is not a Slack or Teams webhook host. Copy the URL from the "
            "channel's incoming webhook settings (ask an administrator to add other hosts to RULES_WEBHOOK_HOSTS)."
        )
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise InvalidInput("A webhook URL must start with https://.")


def shown(channel: str) -> str:
    """A channel as people see it: a webhook by its kind and host only."""
    kind, _, target = channel.partition(":")
    if kind == "email" or not target:
        return channel
    return f"{kind} ({urlsplit(target).hostname})"


def _email(channel: str, owner_email: str) -> str:
    return channel.partition(":")[2] or owner_email


def slack_payload(alert: Alert) -> dict[str, Any]:
    """A header and one section per match (a section holds 3,000 characters, a message 50 blocks)."""
    shown, rest = alert.lines[:45], len(alert.lines) - 45
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": _slack_links(line)[:2900]}} for line in shown]
    if rest > 0:
        sections.append({"type": "section", "text": {"type": "mrkdwn", "text": f"… and {rest} more"}})
    return {
        "text": alert.subject,  # the notification's fallback text
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": alert.subject[:150]}}, *sections],
    }


MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def _slack_links(line: str) -> str:
    """Markdown links as Slack's mrkdwn writes them: <url|text>."""
    return MARKDOWN_LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", line)


def teams_payload(alert: Alert) -> dict[str, Any]:
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": alert.subject, "wrap": True}
                    ]
                    + [{"type": "TextBlock", "text": f"- {line}", "wrap": True} for line in alert.lines],
                },
            }
        ],
    }


async def send(channel: str, alert: Alert, owner_email: str, settings: RulesSettings) -> str:
    """Deliver once; return where it went (for the delivery record). Raises DeliveryFailed."""
    kind, _, target = channel.partition(":")
    if kind == "email":
        to = _email(channel, owner_email)
        if not to:
            raise DeliveryFailed("the owner has no e-mail address the upstream shows; give email:<address>")
        await anyio.to_thread.run_sync(_smtp_send, to, alert, settings)
        return to
    if target.startswith(SEALED):
        raise DeliveryFailed(
            f"the {kind} webhook URL cannot be decrypted (its key is no longer in VAULT_KEYS): "
            "delete the rule and create it again with the webhook"
        )
    secret = settings.slack_webhook_url if kind == "slack" else settings.teams_webhook_url
    url = target or (secret.get_secret_value() if secret is not None else "")
    if not url:
        raise DeliveryFailed(f"no {kind} webhook is configured any more")
    payload = slack_payload(alert) if kind == "slack" else teams_payload(alert)
    try:
        async with httpx.AsyncClient(timeout=settings.delivery_timeout_seconds, follow_redirects=False) as http:
            answer = await http.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{kind} webhook unreachable ({type(exc).__name__})") from None
    if answer.status_code >= 300:
        raise DeliveryFailed(f"{kind} webhook answered HTTP {answer.status_code}")
    return shown(channel)


def _smtp_send(to: str, alert: Alert, settings: RulesSettings) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = alert.subject
    message.set_content(alert.text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.delivery_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username and settings.smtp_password is not None:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        reason = exc.smtp_code if isinstance(exc, smtplib.SMTPResponseException) else type(exc).__name__
        raise DeliveryFailed(f"SMTP server {settings.smtp_host}:{settings.smtp_port} failed ({reason})") from None


SEALED = "sealed:"  # a webhook URL encrypted with the vault's key (VAULT_KEYS), bound to its rule


def seal(channel: str, keys: KeyRing | None, rule_id: str) -> str:
    """A webhook URL (a secret: whoever has it may post) encrypted at rest when the vault's keys are configured."""
    kind, _, target = channel.partition(":")
    if keys is None or kind == "email" or not target:
        return channel
    return f"{kind}:{SEALED}{keys.encrypt(target.encode(), f'rules:{rule_id}')}"


def unseal(channel: str, keys: KeyRing | None, rule_id: str) -> str:
    kind, _, target = channel.partition(":")
    if not target.startswith(SEALED) or keys is None:
        return channel  # stays sealed without the keys: its delivery fails and says why
    try:
        return f"{kind}:{keys.decrypt(target.removeprefix(SEALED), f'rules:{rule_id}').decode()}"
    except DecryptionFailed:
        return channel
