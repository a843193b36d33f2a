"""Jira Cloud emulator (platform v2/v3 and Agile 1.0)."""
