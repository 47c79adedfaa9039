"""Build progress on the terminal: a progress bar in an interactive terminal, plain lines elsewhere (CI)."""

from __future__ import annotations

import os

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class ProgressReporter:
    def __init__(self, console: Console):
        self.console = console
        self.live = console.is_terminal and not os.environ.get("CI")
        self.progress: Progress | None = None
        self.task = None
        self.done = 0

    def __enter__(self) -> "ProgressReporter":
        if self.live:
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=self.console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task("building", total=None)
        return self

    def __exit__(self, *exc) -> None:
        if self.progress:
            self.progress.stop()

    def note(self, message: str) -> None:
        if self.progress:
            self.progress.update(self.task, description=message)
        else:
            self.console.print(message, markup=False)

    def converted(self, result) -> None:
        self.done += 1
        line = f"converted {result.job.name}: {result.pages} page{'s' if result.pages != 1 else ''} in {result.seconds:.1f} s"
        if self.progress:
            self.progress.update(self.task, completed=self.done, description=line)
        else:
            self.console.print(line, markup=False)
