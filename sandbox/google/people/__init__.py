"""People API v1 emulator: the person's contacts, "other contacts" and the Workspace domain directory."""
