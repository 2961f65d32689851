"""Corrections on record: a researcher's CSV of fixes, applied to the extracted cells.

The file has the columns ``sha256,key,value,note`` (``key`` = ``table.row.column``). A corrected
cell keeps the ``raw`` text the report printed, takes the new ``value``, gets state
``corrected`` and the note; the checks are computed again on the corrected values. A line whose
sha256 or key matches nothing is reported as a warning, never dropped in silence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Union

from .checks import CheckResult, run_checks
from .errors import InputError
from .mapping.numbers import parse_value
from .schema import TEMPLATES
from .usertables import read_text, rows

COLUMNS = ("sha256", "key", "value", "note")
CORRECTED = "corrected"


def _known_addresses() -> dict[tuple[str, str, str], str]:
    """Every address of either template, with its value kind (count, money, signed)."""
    out: dict[tuple[str, str, str], str] = {}
    for template in TEMPLATES.values():
        for spec in template.tables:
            for row in spec.rows:
                for col in spec.columns_of(row):
                    out.setdefault((spec.key, row.key, col.key), col.kind)
    return out


_ADDRESSES = _known_addresses()


@dataclass(frozen=True)
class Correction:
    """One line of the corrections file."""

    sha256: str
    table: str
    row: str
    column: str
    value: int | float
    note: str
    line: int  # the line of the file, for messages

    @property
    def key(self) -> str:
        return f"{self.table}.{self.row}.{self.column}"


@dataclass
class Corrections:
    """The corrections of one file, by report sha256, and which of them were used."""

    items: list[Correction]
    source: str = "corrections"
    _used: set[int] = field(default_factory=set)
    _seen_sha: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Corrections":
        """Read and validate a corrections CSV; a bad line is an ``InputError`` naming it."""
        return cls.parse(read_text(path, "corrections file"), source=str(path))

    @classmethod
    def parse(cls, text: str, *, source: str = "corrections") -> "Corrections":
        return cls([_parse_line(fields, n, source) for n, fields in rows(text, COLUMNS, source)], source)

    def for_report(self, sha256: str | None) -> list[Correction]:
        if sha256 is None:
            return []
        self._seen_sha.add(sha256)
        return [c for c in self.items if c.sha256 == sha256]

    def mark_used(self, correction: Correction) -> None:
        self._used.add(id(correction))

    def unmatched(self) -> list[str]:
        """Warnings for the lines that matched no report or no cell of their report."""
        out = []
        for c in self.items:
            if c.sha256 not in self._seen_sha:
                out.append(f"{self.source} line {c.line}: no report with sha256 {c.sha256[:12]}… in this run; "
                           "not applied")
            elif id(c) not in self._used:
                out.append(f"{self.source} line {c.line}: report {c.sha256[:12]}… has no cell {c.key}; not applied")
        return out


def _parse_line(fields: list[str], n: int, source: str) -> Correction:
    where = f"{source} line {n}"
    if len(fields) < 3:
        raise InputError(f"{where}: expected {','.join(COLUMNS)}")
    sha, key, raw = (f.strip() for f in fields[:3])
    note = fields[3].strip() if len(fields) > 3 else ""
    if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha.lower()):
        raise InputError(f"{where}: {sha!r} is not a sha256 (64 hex digits, the reports table's sha256)")
    parts = key.split(".")
    if len(parts) != 3 or tuple(parts) not in _ADDRESSES:
        raise InputError(f"{where}: {key!r} is not a cell key table.row.column of SCHEMA.md")
    if not raw:
        raise InputError(f"{where}: no value for {key} (fill in the number the source prints)")
    parsed = parse_value(raw, kind=_ADDRESSES[(parts[0], parts[1], parts[2])])
    if parsed.state != "number" or parsed.value is None:
        raise InputError(f"{where}: the value {raw!r} is not a number")
    return Correction(sha.lower(), parts[0], parts[1], parts[2], parsed.value, note, n)


def correct_cells(cells: list[dict[str, Any]], template: str, sha256: str | None,
                  corrections: Corrections) -> tuple[int, list[str], list[CheckResult] | None]:
    """Apply the report's corrections to its cell dicts in place.

    Returns (cells corrected, warnings, the checks computed again — None when nothing changed).
    """
    mine = corrections.for_report(sha256)
    if not mine:
        return 0, [], None
    by_key = {(c["table"], c["row"], c["column"]): c for c in cells}
    warnings: list[str] = []
    n = 0
    for corr in mine:
        cell = by_key.get((corr.table, corr.row, corr.column))
        if cell is None:
            warnings.append(f"correction {corrections.source} line {corr.line}: no cell {corr.key} in this "
                            f"{template} report; not applied")
            continue
        corrections.mark_used(corr)
        cell["value"], cell["state"], cell["note"] = corr.value, CORRECTED, corr.note or None
        n += 1
    if not n or template not in TEMPLATES:
        return n, warnings, None
    checks = run_checks(TEMPLATES[template], {(c["table"], c["row"], c["column"]): (c["value"], c["state"])
                                             for c in cells})
    return n, warnings, checks


def as_corrections(value: Union["Corrections", str, os.PathLike, None]) -> Corrections | None:
    """A ``Corrections`` from a path (or one as is)."""
    if value is None or isinstance(value, Corrections):
        return value
    return Corrections.load(value)

