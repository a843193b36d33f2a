"""Generic machinery shared by the upstream emulators (faults, rate limits, request log, latency, control API)."""
