"""The progress bar on stderr (files, files/s, ETA, failures), shown only on a terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeRemainingColumn)
from rich.text import Text


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} files/s" if speed else "– files/s", style="cyan")


class BatchProgress:
    """``advance(failed)`` after each file; a no-op when stderr is not a terminal."""

    def __init__(self, total: int, *, enabled: bool = True, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal
        self.failed = 0
        self.progress = Progress(TextColumn("extract"), BarColumn(), MofNCompleteColumn(), _Rate(),
                                 TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[failures]}"),
                                 console=self.console, disable=not self.enabled)
        self.task = self.progress.add_task("extract", total=total, failures="")

    def advance(self, failed: bool) -> None:
        self.failed += bool(failed)
        self.progress.update(self.task, advance=1,
                             failures=f"[red]{self.failed} failed[/red]" if self.failed else "")

    def __enter__(self) -> "BatchProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)
