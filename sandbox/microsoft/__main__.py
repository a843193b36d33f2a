"""Serve the Microsoft 365 sandbox over HTTPS by itself: ``python -m sandbox.microsoft [--port 9300]``.

Prints the base URL, the CA file clients must trust, and the tenant and demo credentials.
"""

from __future__ import annotations

import argparse
import sys
from types import FrameType

import uvicorn

from .entry import SANDBOX, tls_files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.microsoft", description=SANDBOX.title)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=SANDBOX.default_port)
    parser.add_argument("--latency-ms", type=int, default=0, help="added latency per request")
    args = parser.parse_args(argv)
    certfile, keyfile, cafile = tls_files()
    login = SANDBOX.demo_login
    print(f"sandbox microsoft: https://{args.host}:{args.port}  (trust the CA in {cafile})", flush=True)
    print(
        f"  tenant {login['tenant']}, client {login['client_id']} / {login['client_secret']}, "
        f"demo token for {login['email']}: {login['token']}",
        flush=True,
    )
    app = SANDBOX.create_app(latency_ms=args.latency_ms)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)

    def stop(sig: int, frame: FrameType | None) -> None:
        server.should_exit = True  # and no re-raised signal afterwards: a normal exit lets atexit remove the TLS files

    server.handle_exit = stop  # type: ignore[method-assign]
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
