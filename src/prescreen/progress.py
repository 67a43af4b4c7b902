"""What a long command is doing now, as one line on the user's terminal.

`prescreen run` on a million persons takes minutes, and without this the terminal said
nothing until the end. Stages and engines call `note` with a short text; the CLI shows the
latest one as a spinner line on stderr while the command runs (`shown`), on a terminal
only, so files, pipes and cron mails get nothing. Texts name stages, files and counts,
never a patient, and they never reach Prefect's logs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

_sink: Callable[[str], None] | None = None


def note(text: str) -> None:
    """Say what is being done now (nothing happens unless a command shows it)."""
    if _sink is not None:
        _sink(text)


@contextmanager
def shown(console: Console) -> Iterator[None]:
    """Show every `note` of the block as a spinner line on `console`, if it is a terminal."""
    if not console.is_terminal:
        yield
        return
    with console.status("starting", spinner="dots") as status, _noted(status.update):
        yield


@contextmanager
def collected(into: list[str]) -> Iterator[None]:
    """Append every `note` of the block to `into` (what a test reads)."""
    with _noted(into.append):
        yield


@contextmanager
def _noted(sink: Callable[[str], None]) -> Iterator[None]:
    global _sink
    previous, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = previous
