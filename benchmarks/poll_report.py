"""The one table benchmarks/poll.py prints: rows collected during the run, printed at its end."""

from __future__ import annotations

from dataclasses import dataclass, field
import math
import os

import pytest

DEFAULT_ROUNDS = 7
MEGA = 1_000_000


def rounds_wanted() -> int:
    """Return the rounds per figure: ``DELUGE_WEBAPI_BENCH_ROUNDS`` or the default."""
    return int(os.environ.get("DELUGE_WEBAPI_BENCH_ROUNDS", DEFAULT_ROUNDS))


COLUMNS = (
    "N",
    "server",
    "limit ms",
    "ours ms",
    "ours/limit",
    "wire/poll",
    "limit wire",
    "writes, unchanged poll",
    "max loop block",
    "data held",
    "torrent devices / entities",
)


@dataclass
class Row:
    """One line of the table; text cells, already formatted."""

    cells: tuple[str, ...]


@dataclass(eq=False)  # a plugin must be hashable
class Report:
    """A pytest plugin: the benchmark's rows, printed as one table after the tests ran."""

    rounds: int
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        """Add a row, one text per column."""
        assert len(cells) == len(COLUMNS)
        self.rows.append(Row(cells))

    def note(self, text: str) -> None:
        """Add a line printed under the table."""
        self.notes.append(text)

    def lines(self) -> list[str]:
        """Return the table as Markdown, then the notes."""
        table = [COLUMNS, *(row.cells for row in self.rows)]
        widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]

        def render(cells: tuple[str, ...]) -> str:
            padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            return "| " + " | ".join(padded) + " |"

        separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
        return [render(COLUMNS), separator, *(render(row.cells) for row in self.rows), "", *self.notes]

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Print the table once every benchmark ran."""
        terminalreporter.write_line("")
        for line in self.lines():
            terminalreporter.write_line(line)


def ms(value: float) -> str:
    """Milliseconds, to a tenth below 100."""
    if math.isnan(value):
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"  # noqa: PLR2004


def size(value: int) -> str:
    """Bytes in kB or MB (powers of ten, as on the wire)."""
    if value >= MEGA:
        return f"{value / MEGA:.2f} MB"
    return f"{value / 1e3:.1f} kB"
