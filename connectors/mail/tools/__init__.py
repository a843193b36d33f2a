"""The mail tools, by concern."""
