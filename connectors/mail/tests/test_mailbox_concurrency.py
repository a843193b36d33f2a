"""Exchange serves an application 4 requests at once per mailbox: concurrent reads of one mailbox queue in the
connector instead of failing (the Microsoft sandbox enforces the limit with 429 + Retry-After, as Graph does)."""

from __future__ import annotations

import anyio
import pytest
from prometheus_client import REGISTRY

from sandbox.microsoft.testing import TenantUnderTest
from shared.testing import call

from .conftest import Connect

pytestmark = pytest.mark.anyio


def refused() -> float:
    """How many 429s Outlook has answered this process so far."""
    found = REGISTRY.get_sample_value("connector_upstream_requests_total", {"upstream": "Outlook", "status": "429"})
    return found or 0.0


async def test_32_concurrent_thread_reads_of_one_mailbox_all_succeed(tenant: TenantUnderTest, as_outlook: Connect):
    config = tenant.url + "/__sandbox/mail/config"
    before = tenant.control.http.get(config, timeout=10).json()
    # Exchange's limit, each request holding its slot a while so that 32 readers overlap for sure
    tenant.control.http.post(config, json={"concurrency": 4, "handling_ms": 40}, timeout=10).raise_for_status()
    try:
        async with as_outlook(rate_limit_per_second=20) as client:
            _, found = await call(client, "mail_search_messages", folder="Inbox", limit=50)
            ids = [m["id"] for m in found["messages"]]
            assert len(ids) >= 32  # distinct calls: identical ones would be answered by one read
            answers: list[str] = []
            throttled = refused()

            async def read(message_id: str) -> None:
                text, _ = await call(client, "mail_get_thread", id=message_id)
                answers.append(text)

            async with anyio.create_task_group() as group:
                for message_id in ids[:32]:
                    group.start_soon(read, message_id)
        assert len(answers) == 32
        assert refused() == throttled  # they queued in the connector: Exchange never had to refuse one
    finally:
        tenant.control.http.post(config, json=before, timeout=10)
