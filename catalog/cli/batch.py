"""``sandan batch``: the batch job from a terminal or cron, its exit codes and its CPU priority.

What the command shows while it runs is :mod:`catalog.cli.display`'s, the summary after it
:mod:`catalog.cli.report`'s; the run itself is :func:`catalog.batch.job.run_batch`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass, field

from catalog.batch.summary import BatchSummary
from catalog.storage.runtime import open_database
from catalog.storage.settings import get_settings
from catalog.storage.sql import q
from catalog.storage.tx import Db, connection

log = logging.getLogger("catalog.batch")

# Exit codes of ``sandan batch``.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3


# How much ``sandan batch`` lowers its CPU priority (os.nice) unless told otherwise: the solve
# takes a core for seconds, and on a two-core machine the web service must keep answering.
NICE = 10


def lower_priority(by: int) -> int:
    """Lower this process's CPU priority by ``by`` (0: leave it) and return the niceness now.

    Niceness only goes up for an ordinary user, so this is done once, by the command, before
    the run and after the database is up: an embedded server the command starts keeps normal
    priority, and only its processes working for this run follow (``catalog.storage.db.share_niceness``)."""
    import os

    if by > 0:
        now = os.nice(by)
        log.info("batch run at nice %d (CPU priority lowered by %d)", now, by)
        return now
    return os.nice(0)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="sweep, then propose units for open projects with the engine (批量优化派单)",
        description="Expire claims and offers past their time to live, close unrated projects, then "
        "solve the open projects (优化派单, and 认领 past the claim deadline) against the published "
        "resources and write one proposal per matched project. Runs never overlap.",
        epilog="exit codes: 0 done (or dry run done); 1 unexpected failure, nothing written by the "
        "failed phase; 2 bad arguments or settings (unknown community or street); 3 another batch "
        "run holds the lock, nothing done.\n\n"
        "The run lowers its own CPU priority first (nice 10 by default; --nice or "
        "SANDAN_BATCH_NICE, 0 keeps it as started), so that on a small machine the web service "
        "still answers promptly while a county-wide run solves.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--community", help="only projects of this community (社区代码)")
    where.add_argument("--street", help="only projects of this street (街道代码)")
    p.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    p.add_argument("--json", action="store_true", help="print the summary as JSON, for scripts")
    p.add_argument("--seed", type=int, default=0, help="engine seed (default 0); same seed, same plan")
    p.add_argument("--nice", type=int, default=None, metavar="N",
                   help="lower the run's CPU priority by N (0-19, default SANDAN_BATCH_NICE or 10; 0: not at all)")
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    import os

    from catalog.batch.job import BatchBusy, run_batch
    from catalog.batch.summary import Scope
    from catalog.cli import display
    from catalog.cli.report import print_batch
    from catalog.errors import InvalidInput

    try:
        nice = args.nice if args.nice is not None else int(os.environ.get("SANDAN_BATCH_NICE", NICE))
    except ValueError:
        print("sandan batch: SANDAN_BATCH_NICE must be a whole number", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= nice <= 19:
        print("sandan batch: --nice must be between 0 and 19", file=sys.stderr)
        return EXIT_USAGE
    at_terminal = sys.stdout.isatty() and sys.stderr.isatty()

    async def run() -> int:
        progress = display.TerminalProgress(sys.stderr) if at_terminal else display.LogProgress()
        async with open_database(get_settings()) as pool:
            # Lowered only now: an embedded server this command starts must not inherit the
            # priority (the web service works on it too). The pool's connections are made anew,
            # so that the server processes working for this run share it.
            lower_priority(nice)
            await pool.expire_connections()
            try:
                scope = Scope(community=args.community, street=args.street)
                async with progress:
                    summary = await run_batch(pool, scope, dry_run=args.dry_run, seed=args.seed, progress=progress)
            except InvalidInput as exc:
                print(f"sandan batch: {exc.message} ({exc.code})", file=sys.stderr)
                return EXIT_USAGE
            except BatchBusy as exc:
                print(f"sandan batch: {exc}", file=sys.stderr)
                return EXIT_BUSY
            if args.json:
                print(summary.model_dump_json(indent=2))
                return EXIT_OK
            try:
                names = await names_of(pool, summary)
            except Exception:  # the run is done; without names the summary still says what it did
                log.warning("names for the summary not read", exc_info=True)
                names = Names()
            print_batch(summary, names)
        return EXIT_OK

    def guarded() -> int:
        try:
            return asyncio.run(run())
        except Exception:
            log.exception("batch run failed")
            return EXIT_FAILED

    if not at_terminal:
        return guarded()
    with display.logs_above(display.live):
        return guarded()


@dataclass(frozen=True)
class Names:
    """What the units, resources and areas a summary speaks of by id or code are called."""

    units: dict[int, str] = field(default_factory=dict)
    resources: dict[int, str] = field(default_factory=dict)
    areas: dict[str, str] = field(default_factory=dict)


async def names_of(db: Db, summary: BatchSummary) -> Names:
    """The names behind a summary's ids and codes, for a person reading it (``--json`` keeps ids)."""
    units = {p.unit_id for p in summary.proposed} | {e.unit_id for e in summary.expiring}
    units |= {d.unit_id for d in summary.declined}
    units |= {int(r["unit_id"]) for p in summary.proposed for r in p.runner_ups if r.get("unit_id") is not None}
    resources = {p.resource_id for p in summary.proposed}
    areas = {u.community for u in summary.unmatched_projects}
    code = summary.scope.partition(":")[2]
    if code:
        areas.add(code)
    async with connection(db) as conn:
        rows = await conn.fetch(q("batch_names"), sorted(units), sorted(resources), sorted(areas))
    names = Names()
    for r in rows:
        if r["kind"] == "unit":
            names.units[int(r["key"])] = r["name"]
        elif r["kind"] == "resource":
            names.resources[int(r["key"])] = r["name"]
        else:
            names.areas[r["key"]] = r["name"]
    return names
