"""What ``sandan batch`` shows while it runs: a live line per phase at a terminal, log lines
otherwise, and warnings above the live line rather than inside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time

from catalog.batch.summary import PHASE_LABELS, Progress


class LogProgress(Progress):
    """Plain log lines, one per phase start and end and every tenth of the write: for cron and
    journald, where a redrawn line would be noise."""

    def __init__(self) -> None:
        self.log = logging.getLogger("catalog.batch")
        self.shown = -1

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def start(self, phase: str) -> None:
        self.log.info("batch phase %s started (%s)", phase, PHASE_LABELS[phase])

    def done(self, phase: str, seconds: float, note: str = "") -> None:
        self.log.info("batch phase %s done in %.2f s: %s", phase, seconds, note)

    def step(self, done: int, total: int) -> None:
        tenth = done * 10 // max(1, total)
        if tenth != self.shown:
            self.shown = tenth
            self.log.info("batch write %d/%d", done, total)


class TerminalProgress(Progress):
    """One line per phase at a terminal, redrawn while the phase runs: its elapsed time, and for
    the write phase the count written so far; the finished phase stays with its time. Lines
    logged meanwhile (warnings: see :func:`logs_above`) go above it, never into it."""

    def __init__(self, out) -> None:
        self.out = out
        self.phase: str | None = None
        self.t0 = 0.0
        self.count = ""
        self.ticker: asyncio.Task | None = None
        # the solve runs in a thread, and what it logs is written from there
        self.lock = threading.Lock()

    async def __aenter__(self):
        self.ticker = asyncio.create_task(self._tick())
        live.append(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        live.remove(self)
        assert self.ticker is not None
        self.ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.ticker
        if self.phase is not None:  # interrupted mid-phase: end the line
            self._write("\n")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            self._draw()

    def _write(self, text: str) -> None:
        with self.lock:
            self.out.write(text)
            self.out.flush()

    def _line(self) -> str:
        if self.phase is None:
            return ""
        elapsed = time.perf_counter() - self.t0
        return f"  … {phase_column(self.phase)} {elapsed:6.1f} s {self.count}"

    def _draw(self) -> None:
        if self.phase is not None:
            self._write(f"\r\x1b[K{self._line()}")

    def note(self, text: str) -> None:
        """A line of its own above the progress line, which is drawn again under it."""
        self._write(f"\r\x1b[K{text}\n{self._line()}")

    def start(self, phase: str) -> None:
        self.phase, self.t0, self.count = phase, time.perf_counter(), ""
        self._draw()

    def done(self, phase: str, seconds: float, note: str = "") -> None:
        self.phase = None
        self._write(f"\r\x1b[K  ✓ {phase_column(phase)} {seconds:6.2f} s  {note}\n")

    def step(self, done: int, total: int) -> None:
        self.count = f"{done}/{total}（{done / max(1, total):.0%}）"
        self._draw()


# The terminal display running now, if any: where log lines go while it draws.
live: list[TerminalProgress] = []
_LEVEL_WORDS = {"WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重错误"}


class _AboveProgress(logging.Handler):
    """At a terminal: a warning or an error on a line of its own, in Chinese words where we have
    them, above the progress line (or plainly on stderr when none is drawn)."""

    def __init__(self, live: list[TerminalProgress]) -> None:
        super().__init__(logging.WARNING)
        self.live = live
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = f"  ! {_LEVEL_WORDS.get(record.levelname, record.levelname)}（{record.name}）：{self.format(record)}"
            if self.live:
                self.live[-1].note(text)
            else:
                sys.stderr.write(text + "\n")
                sys.stderr.flush()
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def logs_above(live: list[TerminalProgress]):
    """While a person watches the run at a terminal, the log's info lines (English, one per phase
    and per module) stay out of the way: the progress display and the summary say the same in
    Chinese. Warnings and errors still show, each on a line of its own."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = [_AboveProgress(live)]
    try:
        yield
    finally:
        root.handlers = saved


def phase_column(phase: str) -> str:
    """The phase's Chinese name padded to one width (four characters), so the times line up."""
    return phase_label(phase).ljust(4, "\u3000")



def phase_label(name: str) -> str:
    return PHASE_LABELS.get(name, name)
