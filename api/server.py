"""Running the service: listen, say where, shut down gracefully on SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import socket

from aiohttp import web

from catalog.settings import get_settings

from .app import create_app
from .observe import configure_access_log

log = logging.getLogger(__name__)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def serve(*, host: str | None = None, port: int | None = None, demo: bool = False) -> int:
    settings = get_settings()
    host = host or settings.host
    port = settings.port if port is None else port
    if port and not _port_free(host, port):
        log.error("port %s on %s is in use; set SANDAN_PORT or pass --port", port, host)
        return 2
    app = create_app(settings, demo=demo)
    configure_access_log()

    def announce(msg: str) -> None:
        print(f"三单联动 sandan 已启动: http://{host}:{port}/  (Ctrl-C 停止)", flush=True)

    # run_app handles SIGINT and SIGTERM: it stops accepting, lets in-flight requests finish
    # (up to shutdown_timeout), then runs cleanup_ctx, which closes the pool.
    web.run_app(app, host=host, port=port, print=announce, shutdown_timeout=10, access_log=None)
    return 0
