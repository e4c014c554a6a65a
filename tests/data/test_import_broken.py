"""Broken import files: a CSV whose quote never closes or whose rows have too many fields,
a Parquet file with bytes that are not UTF-8: "line N: reason", nothing imported, no
traceback. And line numbers as an editor shows them when quoted fields hold line breaks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import cli
from bot.core.db import Database
from bot.core.settings import Settings
from bot.data.importer import ImportFailed, import_file
from bot.data.importer import lines as line_module
from bot.data.importer.lines import UnclosedQuote, line_map
from bot.models import Channel


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _channels(db: Database) -> int:
    with db.analytics.connect() as connection:
        return connection.execute(select(func.count()).select_from(Channel)).scalar_one()


def _failure(db: Database, settings: Settings, path: Path, **options: object) -> str:
    with pytest.raises(ImportFailed) as failure:
        import_file(db, settings, "channels", path, **options)  # type: ignore[arg-type]
    return str(failure.value)


# Lines:        1               2        3          4                5
UNCLOSED = 'key,name,kind\ntiktok,TikTok,paid\nwechat,"We\nchat,paid\nbaidu,Baidu,paid\n'


def test_an_unclosed_quote_names_its_line_and_imports_nothing(db, settings, tmp_path) -> None:
    message = _failure(db, settings, _write(tmp_path, "channels.csv", UNCLOSED))
    assert message.endswith(
        "channels.csv: line 3: a quoted field opened here is never closed; nothing was imported."
    )
    assert _channels(db) == 0


def test_an_unclosed_quote_in_the_header_is_line_1(db, settings, tmp_path) -> None:
    message = _failure(db, settings, _write(tmp_path, "channels.csv", 'key,"name\n'))
    assert "channels.csv: line 1: a quoted field opened here is never closed" in message


def test_pandas_parser_errors_are_told_with_physical_lines() -> None:
    """pandas counts records as its "lines"; the message names the line an editor shows."""
    import pandas as pd

    from bot.data.importer.lines import LineMap
    from bot.data.importer.reading import _csv_problem

    lines = LineMap(breaks=[1, 1])  # record 1 spans lines 2-4
    fields = pd.errors.ParserError(
        "Error tokenizing data. C error: Expected 3 fields in line 3, saw 5"
    )
    assert _csv_problem(Path("f.csv"), lines, fields).startswith(
        "f.csv: line 5: 5 fields where the header has 3"
    )
    unclosed = pd.errors.ParserError(
        "Error tokenizing data. C error: EOF inside string starting at row 2"
    )
    assert _csv_problem(Path("f.csv"), lines, unclosed).startswith("f.csv: line 5: a quoted field")
    other = pd.errors.ParserError("something else")
    assert _csv_problem(Path("f.csv"), lines, other).endswith(
        "not a well-formed CSV file (something else); nothing was imported."
    )


def test_the_cli_prints_one_line_and_no_traceback(db_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path, "channels.csv", UNCLOSED)
    result = CliRunner().invoke(
        cli, ["import", "channels", str(path)], env={"DATABASE_URL": db_url}
    )
    assert result.exit_code == 1
    assert "line 3: a quoted field opened here is never closed" in result.output
    assert "Traceback" not in result.output


def test_quoted_line_breaks_count_in_line_numbers(db, settings, tmp_path) -> None:
    text = (
        "key,name,kind\n"  # 1
        'tiktok,"Tik\nTok\nLive",paid\n'  # 2-4
        'wechat,"We\r\nchat",paid\n'  # 5-6
        "baidu,Baidu,search\n"  # 7: bad kind
        "\n"  # 8: blank
        'xhs,"Xiao\nhongshu",nope\n'  # 9-10: bad kind
        "tiktok,Again,paid\n"  # 11: duplicate of line 2
    )
    message = _failure(db, settings, _write(tmp_path, "channels.csv", text))
    assert 'line 7, column kind: must be paid or organic, not "search"' in message
    assert 'line 9, column kind: must be paid or organic, not "nope"' in message
    assert "line 11, column key:" in message and "first on line 2" in message
    assert _channels(db) == 0


def test_rejects_carry_physical_line_numbers(db, settings, tmp_path) -> None:
    text = 'key,name,kind\ntiktok,"Tik\nTok",paid\nbaidu,Baidu,search\nwechat,WeChat,paid\n'
    path = _write(tmp_path, "channels.csv", text)
    report = import_file(db, settings, "channels", path, skip_invalid=True)  # type: ignore[arg-type]
    assert report.rejected == 1 and report.inserted == 2
    rejects = list(csv.DictReader(io.StringIO((tmp_path / "channels.rejects.csv").read_text())))
    assert [row["line"] for row in rejects] == ["4"]


def test_a_parquet_file_with_undecodable_bytes_names_the_row(db, settings, tmp_path) -> None:
    raw = pa.array([b"tiktok", b"baidu", b"bad\xff\xfe"], type=pa.binary())
    keys = pa.Array.from_buffers(pa.string(), 3, raw.buffers())  # a string column, not UTF-8
    table = pa.table({"key": keys, "name": ["a", "b", "c"], "kind": ["paid"] * 3})
    path = tmp_path / "channels.parquet"
    pq.write_table(table, path)
    message = _failure(db, settings, path)
    assert message.endswith(
        "channels.parquet: row 3, column key: the text holds bytes that are not UTF-8; "
        "nothing was imported."
    )
    assert _channels(db) == 0


def test_parquet_rows_are_numbered_from_one(db, settings, tmp_path) -> None:
    table = pa.table({"key": ["tiktok", "baidu"], "name": ["a", "b"], "kind": ["paid", "nope"]})
    path = tmp_path / "channels.parquet"
    pq.write_table(table, path)
    assert "row 2, column kind" in _failure(db, settings, path)


# --------------------------------------------------------------------------- the line map


def _reference(text: str) -> list[int]:
    """Where each record starts, by the csv module (checked by hand in the cases below)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, seen = [], 0
    for _ in reader:
        starts.append(seen + 1)
        seen = reader.line_num
    return starts


LINE_CASES = {
    "plain": ("k,n\na,b\nc,d\n", [1, 2, 3]),
    "quoted breaks": ('k,n\n"a\nb",c\nd,e\n"x\r\ny\nz",1\nlast,2\n', [1, 2, 4, 5, 8]),
    "doubled quotes": ('k,n\n"a""\nb",c\nd,e\n', [1, 2, 4]),
    "stray quote": ('k,n\nab"c,d\n"e\nf",g\nh,i\n', [1, 2, 3, 5]),
    "text after a closing quote": ('k,n\n"ab"c,d\n"e\nf",g\nh,i\n', [1, 2, 3, 5]),
    "byte order mark": ('\ufeff"k",n\n"a\nb",c\nd,e\n', [1, 2, 4]),
    "blank lines": ('k,n\n\n"a\nb",c\n\nd,e\n', [1, 2, 3, 5, 6]),
}


@pytest.mark.parametrize("case", sorted(LINE_CASES))
@pytest.mark.parametrize("block", [1, 2, 3, 1 << 20])
def test_the_line_map_in_any_block_size(case, block, tmp_path, monkeypatch) -> None:
    text, expected = LINE_CASES[case]
    assert _reference(text.lstrip("\ufeff")) == expected
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(line_module, "BLOCK_BYTES", block)
    found = line_map(path)
    assert [found.line_of(record) for record in range(len(expected))] == expected
    assert found.lines(1, len(expected) - 1).tolist() == expected[1:]


@pytest.mark.parametrize("block", [1, 4, 1 << 20])
def test_the_line_map_finds_an_unclosed_quote(block, tmp_path, monkeypatch) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'k,n\na,b\n"c\nd,e\nf,g\n')
    monkeypatch.setattr(line_module, "BLOCK_BYTES", block)
    with pytest.raises(UnclosedQuote) as unclosed:
        line_map(path)
    assert unclosed.value.line == 3
