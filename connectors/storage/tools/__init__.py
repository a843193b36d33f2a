"""The storage tools, one module per concern."""
