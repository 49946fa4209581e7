"""The ``sandan`` command."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

from catalog.cli import add_commands, solve
from catalog.storage.settings import SettingsError, get_settings

from .observe import configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandan", description="三单联动：居民点单、社区下单、联盟接单")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "serve", help="run the web service (启动服务)",
        description="启动网页服务与 HTTP API：先迁移数据库，SIGTERM 或 Ctrl-C 时处理完进行中的请求再退出。"
        "其余设置见 README 的 Configuration（SANDAN_* 环境变量）。Run the web pages and the HTTP API.",
    )
    p.add_argument("--host", help="listen address (default SANDAN_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default SANDAN_PORT or 8080)")
    p.add_argument("--demo", action="store_true", help="load the demo county first if the database is empty")
    p.add_argument("--workers", type=int, help="worker processes (default SANDAN_WORKERS or 1)")
    p.set_defaults(func=_serve)
    add_commands(sub)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from .server import serve

    return serve(host=args.host, port=args.port, demo=args.demo, workers=args.workers)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _sigterm_ends_like_ctrl_c() -> Iterator[None]:
    """SIGTERM (systemd, kill) ends a command the way Ctrl-C does: its transaction rolls back, its
    pool closes and its exit handlers run, among them the one that stops the embedded database
    when this was its last user. `serve` puts its own graceful shutdown in place of this.

    Only a main thread can set signal handlers; a command run from another (tests) keeps them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["solve"]:
        # the engine parses its own options (and answers its own --help): see catalog.cli
        args = argparse.Namespace(command="solve", func=solve, args=argv[1:])
    else:
        args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"sandan: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    with _sigterm_ends_like_ctrl_c():
        return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
