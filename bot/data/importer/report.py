"""What an import tells the person running it: the report of a load, the failure that
leaves the database unchanged, and the bad rows it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

MAX_REPORTED = 20  # bad rows named in a failure; the rest are counted


class ImportFailed(Exception):
    """The file was not imported; the message is the report to show (nothing was written)."""


@dataclass
class ImportReport:
    """What an import did, printable."""

    table: str
    source: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    first: date | None = None
    last: date | None = None
    seconds: float = 0.0
    rejects_path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        """Rows written: new ones and changed ones."""
        return self.inserted + self.updated

    def __str__(self) -> str:
        lines = [*self.warnings]
        dates = f"; dates {self.first} to {self.last}" if self.first else ""
        lines.append(
            f"Imported {self.table} from {self.source}: {self.rows_read:,} rows read, "
            f"{self.loaded:,} loaded ({self.inserted:,} new, {self.updated:,} updated), "
            f"{self.unchanged:,} unchanged, {self.rejected:,} rejected{dates}; "
            f"{self.seconds:.1f} s."
        )
        if self.rejected and self.rejects_path:
            lines.append(f"Rejected rows (with line and reason) are in {self.rejects_path}.")
        return "\n".join(lines)


@dataclass(order=True)
class Problem:
    """One bad row: where (line as a person sees it, header = line 1), which column, why."""

    line: int
    column: str
    reason: str


def show(value: object) -> str:
    """A cell's value quoted for a message, cut short when long."""
    text = str(value).strip()
    return f'"{text[:40]}…"' if len(text) > 40 else f'"{text}"'
