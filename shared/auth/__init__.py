"""Per-user sign-in: the token vault, our access tokens, the built-in authorization server (see modules)."""
