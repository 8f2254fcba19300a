"""Bulk import of links from CSV: validated row by row, all or nothing, in flat memory.

The file needs a header naming the columns ``subject,ref,relation,linked_by`` (any order);
an empty ``relation`` means ``tracks`` and an empty ``linked_by`` the importer's name. The
file is streamed; valid rows are inserted in batches inside **one** transaction, which is
rolled back when any row is bad — so a file either imports completely or not at all. Rows
already linked are left as they are. The import is audited as one ``links.imported`` entry
holding the file's SHA-256 and counts (one entry per row would make a 100,000-row import
append 100,000 chained entries).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from bridge.coord.linking import RefSyntax, check_by, check_subject, relation
from bridge.core.errors import InputError
from bridge.store import audit, db, links

COLUMNS = ("subject", "ref", "relation", "linked_by")
BATCH = 1000
MAX_REPORTED = 100
"""Rejected rows kept with their reasons (the rest are only counted)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    inserted: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    rejected_total: int = 0
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.rejected_total == 0

    @property
    def existing(self) -> int:
        return self.rows - self.inserted if self.ok else 0


class _Rollback(Exception):
    """Raised inside the transaction to undo an import with rejected rows."""


def _short(reason: str) -> str:
    return reason.split("; accepted forms:")[0]


class _Lines:
    """Decoded lines of a binary file, counting bytes for the progress bar and hashing."""

    def __init__(self, raw: BinaryIO, progress: Callable[[int], None] | None) -> None:
        self.raw, self.progress = raw, progress
        self.digest = hashlib.sha256()
        self.bad = False
        """A line read since the last row was not UTF-8."""
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for chunk in self.raw:
            self.number += 1
            self.digest.update(chunk)
            if self.progress is not None:
                self.progress(len(chunk))
            try:
                text = chunk.decode("utf-8-sig" if self.number == 1 else "utf-8")
            except UnicodeDecodeError:
                self.bad = True
                text = chunk.decode("utf-8", "replace")
            yield text


def _header(row: list[str] | None) -> dict[str, int]:
    if row is None:
        raise InputError("the file is empty; it needs a header: " + ",".join(COLUMNS))
    names = [c.strip().lower() for c in row]
    missing = [c for c in COLUMNS if c not in names]
    extra = [c for c in names if c not in COLUMNS]
    if missing or extra or len(set(names)) != len(names):
        raise InputError("line 1: the header must name exactly the columns "
                         + ",".join(COLUMNS) + (f" (missing: {', '.join(missing)})"
                                                if missing else ""))
    return {name: names.index(name) for name in COLUMNS}


def _count(session: Session) -> int:
    return links.count_links(session)


def import_links(
    sessions: sessionmaker[Session],
    path: str | Path,
    syntax: RefSyntax,
    by: str,
    now: float,
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``path``; nothing is written unless every row is valid (see ``result.ok``)."""
    default_by = check_by(by)
    result = ImportResult()
    try:
        with open(path, "rb") as raw, db.transaction(sessions) as session:
            before = _count(session)
            lines = _Lines(raw, progress)
            reader = csv.reader(lines, strict=True)
            try:
                cols = _header(next(reader, None))
                lines.bad = False
                batch: list[tuple[str, str, str, str]] = []
                for row in reader:
                    if not any(cell.strip() for cell in row):
                        continue
                    result.rows += 1
                    line = reader.line_num
                    try:
                        batch.append(_row(row, cols, lines, syntax, default_by))
                    except InputError as exc:
                        result.rejected_total += 1
                        if len(result.rejected) < MAX_REPORTED:
                            result.rejected.append(Rejected(line, _short(exc.reason)))
                        batch = []
                    if len(batch) >= BATCH and result.ok:
                        links.add_links(session, batch, now)
                        batch = []
            except csv.Error as exc:
                raise InputError(f"line {reader.line_num}: not valid CSV ({exc})") from None
            result.sha256 = lines.digest.hexdigest()
            if not result.ok:
                raise _Rollback
            links.add_links(session, batch, now)
            result.inserted = _count(session) - before
            audit.append(session, "links.imported", None, {
                "file": Path(path).name, "sha256": result.sha256, "rows": result.rows,
                "inserted": result.inserted, "by": default_by,
            }, now)
    except _Rollback:
        pass
    except OSError as exc:
        raise InputError(f"cannot read {Path(path).name}: {exc.strerror}") from None
    return result


def _row(row: list[str], cols: dict[str, int], lines: _Lines, syntax: RefSyntax,
         default_by: str) -> tuple[str, str, str, str]:
    if lines.bad:
        lines.bad = False
        raise InputError("not UTF-8 text")
    if len(row) != len(cols):
        raise InputError(f"{len(row)} columns; expected {len(cols)}")
    subject = check_subject(row[cols["subject"]].strip())
    ref = syntax.parse(row[cols["ref"]])
    rel = relation(row[cols["relation"]].strip() or "tracks")
    linked_by = check_by(row[cols["linked_by"]].strip() or default_by)
    return subject, str(ref), rel.value, linked_by
