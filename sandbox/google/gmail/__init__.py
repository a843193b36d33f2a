"""Gmail v1 emulator: mailboxes, search, history, quota units (see sandbox/google/README.md, Gmail)."""
