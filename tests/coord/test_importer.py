"""Bulk CSV import: a 1,000-row smoke import, all-or-nothing, rejected rows by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.coord import importer
from bridge.coord.linking import RefSyntax
from bridge.core.errors import InputError
from bridge.store import audit, links
from tests.store.dbutil import Database

SYNTAX = RefSyntax.defaults()
HEADER = "subject,ref,relation,linked_by\n"


def _count(database: Database) -> int:
    with database.reader() as s:
        return sum(len(links.links_for_subject(s, f"https://c.example/cases/{i}"))
                   for i in range(100))


def test_a_thousand_rows_import_in_one_go(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    rows = [f"https://c.example/cases/{i % 100},github:acme/r{i % 7}#{i + 1},"
            f"{'fixes' if i % 3 == 0 else ''},{'carol' if i % 2 else ''}" for i in range(1000)]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    seen: list[int] = []
    result = importer.import_links(db.factory, path, SYNTAX, "importer", 5.0,
                                   progress=seen.append)
    assert result.ok and result.rows == 1000 and result.inserted == 1000
    assert sum(seen) == path.stat().st_size
    assert _count(db) == 1000
    with db.reader() as s:
        first = links.links_for_subject(s, "https://c.example/cases/0")
        entries = [e for e in audit.export(s) if e["kind"] == "links.imported"]
    assert first[0].relation.value == "fixes" and first[0].linked_by == "importer"
    assert entries[0]["data"]["rows"] == 1000 and entries[0]["data"]["sha256"] == result.sha256
    again = importer.import_links(db.factory, path, SYNTAX, "importer", 6.0)
    assert again.ok and again.inserted == 0 and again.existing == 1000


def test_any_bad_row_imports_nothing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    good = [f"https://c.example/cases/1,github:o/r#{i},tracks,a" for i in range(1, 1500)]
    path.write_text(
        HEADER + "\n".join(good[:1200]) + "\n"
        "https://c.example/cases/1,github:o/r,tracks,a\n"  # line 1202: no issue number
        "bad subject,github:o/r#1,tracks,a\n"  # 1203
        "https://c.example/cases/1,github:o/r#1,blocks,a\n"  # 1204
        "https://c.example/cases/1,github:o/r#1\n"  # 1205: too few columns
        + "\n".join(good[1200:]) + "\n",
        encoding="utf-8",
    )
    result = importer.import_links(db.factory, path, SYNTAX, "importer", 5.0)
    assert not result.ok and result.rejected_total == 4 and result.inserted == 0
    assert [(r.line, r.reason.split(":")[0]) for r in result.rejected] == [
        (1202, "bad tracker reference 'github"), (1203, "a subject is a report or case id"),
        (1204, "unknown link relation; use one of"), (1205, "2 columns; expected 4")]
    assert "accepted forms" not in result.rejected[0].reason
    with db.reader() as s:
        assert links.links_for_subject(s, "https://c.example/cases/1") == []
        assert audit.length(s) == 0


def test_rejections_beyond_the_cap_are_counted(sqlite_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "x y,github:o/r#1,tracks,a\n" * 150, encoding="utf-8")
    result = importer.import_links(sqlite_db.factory, path, SYNTAX, "i", 1.0)
    assert result.rejected_total == 150 and len(result.rejected) == importer.MAX_REPORTED


@pytest.mark.parametrize(("text", "why"), [
    ("", "the file is empty"),
    ("subject,ref\nx,github:o/r#1\n", "missing: relation, linked_by"),
    ("subject,ref,relation,linked_by,extra\n", "exactly the columns"),
    ('subject,ref,relation,linked_by\n"unterminated,github:o/r#1,tracks,a\n', "not valid CSV"),
])
def test_file_level_problems(sqlite_db: Database, tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=why):
        importer.import_links(sqlite_db.factory, path, SYNTAX, "i", 1.0)


def test_header_order_bom_blank_lines_and_bad_bytes(sqlite_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(
        b"\xef\xbb\xbfRef, Subject ,linked_by,relation\r\n"
        b"github:o/r#1,https://c.example/cases/1,,\r\n"
        b"\r\n"
        b"github:o/r#2,https://c.example/cases/\xff,,\r\n"
    )
    result = importer.import_links(sqlite_db.factory, path, SYNTAX, "i", 1.0)
    assert [(r.line, r.reason) for r in result.rejected] == [(4, "not UTF-8 text")]
    path.write_bytes(b"Ref,Subject,linked_by,relation\ngithub:o/r#1,https://c.example/c/1,,\n")
    ok = importer.import_links(sqlite_db.factory, path, SYNTAX, "i", 1.0)
    assert ok.ok and ok.inserted == 1


def test_missing_file_is_an_input_error(sqlite_db: Database, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        importer.import_links(sqlite_db.factory, tmp_path / "nope.csv", SYNTAX, "i", 1.0)
