"""Start mcp-atlassian with a hosts-style alias so it sees an Atlassian Cloud site name.

Runs inside the isolated mcp-atlassian virtual environment (stdlib only, never imported by the
project). mcp-atlassian decides Cloud vs Server/Data Center from the host name alone
(`mcp_atlassian.utils.urls.is_atlassian_cloud_url`: 127.x and localhost are always
Server/DC; `*.atlassian.net` is Cloud) and has no setting to force it. So the bench gives it
`http://<alias>.atlassian.net:<port>` URLs and this wrapper resolves `BENCH_CLOUD_ALIAS`
to 127.0.0.1 in-process (like a line in /etc/hosts, without touching the machine), then hands
over to mcp-atlassian's own CLI entry point.
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

if __name__ == "__main__":
    from mcp_atlassian import main
    from mcp_atlassian.utils.urls import is_atlassian_cloud_url

    for product in ("JIRA", "CONFLUENCE"):  # the bench checks this line: Cloud code paths, or no run
        print(f"bench: {product} is_cloud={is_atlassian_cloud_url(os.environ.get(product + '_URL', ''))}",
              file=sys.stderr, flush=True)
    sys.argv[0] = "mcp-atlassian"
    sys.exit(main())
