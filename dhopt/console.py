"""What every command shares: the consoles, one-line errors, logging set-up."""

from __future__ import annotations

import logging
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
