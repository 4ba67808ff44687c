"""Run the ceiling or the peer on uvicorn with exactly the settings of ``scimcore serve`` (scimcore/cli.py).

    python serve_app.py ceiling --port 8101
    python serve_app.py peer --port 8102 --token T      # in the peer's virtualenv

``scimcore serve`` builds ``uvicorn.Config(app, host=, port=, log_level=, lifespan="on", server_header=False,
proxy_headers=False)`` and runs ``uvicorn.Server(config).run()``; so does this, so the three servers differ
only in the application.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("app", choices=["ceiling", "peer"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    import uvicorn

    if args.app == "ceiling":
        from ceiling_app import app
    else:
        from peer_app import build_app

        app = build_app(args.token)
    print(f"{args.app} on uvicorn {uvicorn.__version__} at http://{args.host}:{args.port}", flush=True)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        lifespan="on",
        server_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
