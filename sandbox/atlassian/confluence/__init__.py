"""Confluence emulator (Cloud REST v2 + the v1 search, user and label endpoints)."""
