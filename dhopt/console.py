"""What every command shares: the consoles, one-line errors, logging set-up."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import NoReturn

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `error: <message>` as one line on stderr and leave with `code` (no traceback)."""
    text = escape(" ".join(str(message).split()))  # a message's own [brackets] are not markup
    err_console.print(f"[bold red]error:[/] {text}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def fail_now(message: str, code: int) -> NoReturn:
    """`fail`, then leave at once (os._exit), for an interrupted command whose results are already
    written: a normal exit would join the threads a killed process pool leaves (concurrent.futures
    does so at exit), which can hang."""
    text = escape(" ".join(str(message).split()))
    err_console.print(f"[bold red]error:[/] {text}", highlight=False, soft_wrap=True)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def setup_logging(verbose: bool, quiet: bool, default: int = logging.INFO) -> None:
    """--verbose: everything; --quiet: errors only; else `default` and up. Library chatter is kept down."""
    level = logging.DEBUG if verbose else logging.ERROR if quiet else default
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False)],
        force=True,
    )
    logging.getLogger("pyomo").setLevel(logging.ERROR)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)


# Exit codes of every command (README, "Exit codes").
EXIT_OK = 0
EXIT_INPUT = 2  # bad input, infeasible scenario, or a failure the message explains
EXIT_NOT_PROVEN = 3  # a result that is not proven optimal (time limit, large gap), or none in time
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT); 143 for SIGTERM


def time_limit_advice(min_load_binaries: int = 0, solver: str = "highs") -> str:
    """What to try when a solve stopped at its time limit (one line for the console)."""
    tips = [
        "more time (--time-limit)",
        "a looser gap (--mip-gap 0.01)",
        "typical days to screen first (--typical-days 12; approximate, and labelled so)",
        "fewer candidate units (capacity_max_mw: 0 on those that cannot pay)",
    ]
    if min_load_binaries:
        tips.append(f"fewer or lower minimum loads ({min_load_binaries:,} on/off binaries were needed)")
    if solver != "highs":
        tips.insert(0, "dhopt's own HiGHS path (leave out --solver)")
    return "to get a proven answer, try " + "; ".join(tips)


@contextlib.contextmanager
def exit_on_interrupt(cleanup: Callable[[], None] | None = None) -> Iterator[None]:
    """On SIGINT or SIGTERM: clean up, print one "interrupted" line and leave at once (130 / 143).

    Leaving with os._exit, not by raising KeyboardInterrupt into the solver: HiGHS runs in its own
    thread, and unwinding Pyomo's and HiGHS's state around an interrupted solve crashed the
    process (a segmentation fault) in most tries. Results are written atomically with run.json
    last, so an interrupted run leaves no folder that looks complete.
    """

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread (e.g. under a test runner)
        return
    # Pyomo's HiGHS interface points file descriptor 2 elsewhere while it solves: keep our own.
    stderr_fd = os.dup(2)

    def handler(signum: int, _frame: object) -> None:
        try:
            if cleanup is not None:
                cleanup()
        finally:
            name = "interrupted" if signum == signal.SIGINT else "terminated"
            os.write(stderr_fd, f"\nerror: {name}; no results written for this run\n".encode())
            os._exit(EXIT_INTERRUPTED if signum == signal.SIGINT else 128 + signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        os.close(stderr_fd)
