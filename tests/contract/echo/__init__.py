"""Echo: a minimal third connector (a note store), written only from docs/adding-a-connector.md.

It exists to prove the kit: it passes the whole contract suite without any change in `shared/`.
It is registered in process by tests/contract/conftest.py, not by an entry point.
"""
