"""Start mcp-atlassian with a hosts-style alias so it sees an Atlassian Cloud site name.

Runs inside the isolated mcp-atlassian virtual environment (stdlib only, never imported by the
project). mcp-atlassian decides Cloud vs Server/Data Center from the host name alone
(`mcp_atlassian.utils.urls.is_atlassian_cloud_url`: 127.x and localhost are always
Server/DC; `*.atlassian.net` is Cloud) and has no setting to force it. So the bench gives it
`http://<alias>.atlassian.net:<port>` URLs and this wrapper resolves `BENCH_CLOUD_ALIAS`
to 127.0.0.1 in-process (like a line in /etc/hosts, without touching the machine), then hands
over to mcp-atlassian's own CLI entry point.

With OAuth (3LO), mcp-atlassian calls the fixed gateway `https://api.atlassian.com/ex/{product}/{cloudId}`.
When `BENCH_GATEWAY_URL` (the aliased site URL) is set, requests to that origin go to the sandbox
instead, over plain HTTP on loopback: the role of a TLS-terminating proxy in front of the emulator's
gateway paths. The alias host, not 127.0.0.1, because mcp-atlassian's SSRF guard refuses loopback
addresses except for the hosts it was configured with.
"""

import os
import socket
import sys

ALIAS = os.environ["BENCH_CLOUD_ALIAS"].lower()
_getaddrinfo = socket.getaddrinfo


def _aliased_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, (str, bytes)):
        name = host.decode() if isinstance(host, bytes) else host
        if name.lower().rstrip(".") == ALIAS:
            host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _aliased_getaddrinfo

GATEWAY_ORIGIN = "https://api.atlassian.com/"
GATEWAY_URL = os.environ.get("BENCH_GATEWAY_URL", "").rstrip("/")

if GATEWAY_URL:
    from requests.adapters import HTTPAdapter

    _send = HTTPAdapter.send

    def _gateway_send(self, request, *args, **kwargs):
        if request.url.startswith(GATEWAY_ORIGIN):
            request.url = GATEWAY_URL + "/" + request.url[len(GATEWAY_ORIGIN) :]
        return _send(self, request, *args, **kwargs)

    HTTPAdapter.send = _gateway_send  # type: ignore[method-assign]

if __name__ == "__main__":
    from mcp_atlassian import main
    from mcp_atlassian.utils.urls import is_atlassian_cloud_url

    for product in ("JIRA", "CONFLUENCE"):  # the bench checks this line: Cloud code paths, or no run
        print(
            f"bench: {product} is_cloud={is_atlassian_cloud_url(os.environ.get(product + '_URL', ''))}",
            file=sys.stderr,
            flush=True,
        )
    sys.argv[0] = "mcp-atlassian"
    sys.exit(main())
