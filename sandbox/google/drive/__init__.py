"""Drive v3 emulator: store, seed, query language, partial responses, routes (files, uploads, permissions, changes)."""
