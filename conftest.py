"""Root pytest configuration: async tests run on asyncio through anyio's plugin."""

import os
import tempfile

import pytest

# The rules store and the vault default to a SQLite file under ./data: tests that do not choose one keep theirs in a
# temporary folder, so a run leaves nothing in the checkout.
os.environ.setdefault("AUTH_SQLITE_PATH", os.path.join(tempfile.mkdtemp(prefix="connectors-tests-"), "connectors.db"))


@pytest.fixture
def anyio_backend():
    return "asyncio"
