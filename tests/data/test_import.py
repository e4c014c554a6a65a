"""`warroom import`: every bad file gets a readable report and leaves the database unchanged;
good files load, re-imports change nothing, changed rows are updated, on every backend."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import cli
from bot.core.db import Database
from bot.core.facts import ROLLUPS
from bot.core.settings import Settings
from bot.data.importer import ImportFailed, import_file
from bot.models import Channel, ImportRun, Order, RollupState, Spend, User

CHANNELS = (
    "key,name,kind,roi_benchmark\n"
    "tiktok,TikTok,paid,2.5\nwechat,微信,paid,\norganic,自然流量,organic,\n"
)
CAMPAIGNS = (
    "id,channel,name,start_date,end_date,budget,owner,status\n"
    "c1,tiktok,Launch,2026-09-01,,50000,Lin,active\n"
)
USERS = (
    "id,signed_up_at,channel,campaign_id\n"
    "u1,2026-09-01 10:00:00,tiktok,c1\n"
    "u2,2026-09-01T11:30:00,wechat,\n"
    "u3,2026-09-02 09:15,organic,\n"
)
ORDERS = (
    "id,user_id,ordered_at,amount\n"
    "o1,u1,2026-09-01 12:00:00,100.50\n"
    "o2,u1,2026-09-03 08:00:00,20\n"
    "o3,u2,2026-09-02 18:45:00,75.25\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def load(db: Database, settings: Settings, table: str, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return import_file(db, settings, table, path, **kw)  # type: ignore[arg-type]


@pytest.fixture
def base(db: Database, settings: Settings, tmp_path: Path) -> Database:
    """Channels, a campaign and three users loaded."""
    load(db, settings, "channels", write(tmp_path, "channels.csv", CHANNELS))
    load(db, settings, "campaigns", write(tmp_path, "campaigns.csv", CAMPAIGNS))
    load(db, settings, "users", write(tmp_path, "users.csv", USERS))
    return db


def rows(db: Database, model: type) -> list[tuple]:
    table = model.__table__
    with db.analytics.connect() as connection:
        return sorted(tuple(r) for r in connection.execute(select(table)).all())


def import_runs(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(ImportRun)) or 0


def test_good_files_load_with_a_report(base: Database, settings: Settings, tmp_path: Path) -> None:
    report = load(base, settings, "orders", write(tmp_path, "orders.csv", ORDERS))
    assert (report.rows_read, report.inserted, report.updated, report.rejected) == (3, 3, 0, 0)
    assert (report.first, report.last) == (date(2026, 9, 1), date(2026, 9, 3))
    text = str(report)
    assert "3 rows read" in text and "3 loaded" in text and "2026-09-01 to 2026-09-03" in text
    assert rows(base, Order) == [
        ("o1", "u1", datetime(2026, 9, 1, 12, 0), 100.5),
        ("o2", "u1", datetime(2026, 9, 3, 8, 0), 20.0),
        ("o3", "u2", datetime(2026, 9, 2, 18, 45), 75.25),
    ]
    users = rows(base, User)
    assert users[1] == ("u2", datetime(2026, 9, 1, 11, 30), "wechat", None)
    assert users[0][3] == "c1"
    assert rows(base, Channel)[2] == ("wechat", "微信", "paid", None)
    with base.session() as session:
        state = session.get(RollupState, ROLLUPS)
        assert state is not None and state.stale
        run = session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
        assert run is not None and (run.table_name, run.rows_loaded) == ("orders", 3)
        assert (run.min_date, run.max_date) == (date(2026, 9, 1), date(2026, 9, 3))


def test_reimport_changes_nothing_and_changed_rows_are_updated(
    base: Database, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path, "orders.csv", ORDERS)
    load(base, settings, "orders", path)
    before = rows(base, Order)
    again = load(base, settings, "orders", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert rows(base, Order) == before
    changed = ORDERS.replace("o2,u1,2026-09-03 08:00:00,20", "o2,u1,2026-09-03 08:00:00,25")
    changed += "o4,u3,2026-09-04 10:00:00,9.99\n"
    report = load(base, settings, "orders", write(tmp_path, "orders2.csv", changed))
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 2)
    after = {r[0]: r for r in rows(base, Order)}
    assert after["o2"][3] == 25.0 and after["o4"][3] == 9.99 and len(after) == 4


BAD_ORDERS = {
    "unknown channel": (
        "users",
        "id,signed_up_at,channel\nu7,2026-09-01 10:00,tiktok\nu8,2026-09-01 10:00,TikTok\n",
        'line 3, column channel: unknown channel "TikTok" (did you mean tiktok?)',
    ),
    "negative amount": (
        "orders",
        ORDERS + "o4,u2,2026-09-04 10:00,-5.00\n",
        'line 5, column amount: negative amount "-5.00" (must be 0 or more)',
    ),
    "unparseable date": (
        "orders",
        ORDERS + "o4,u2,04/09/2026 10:00,5\n",
        'line 5, column ordered_at: unparseable timestamp "04/09/2026 10:00"',
    ),
    "impossible date": (
        "spend",
        "date,channel,amount\n2026-02-30,tiktok,10\n",
        'line 2, column date: unparseable date "2026-02-30" (use YYYY-MM-DD)',
    ),
    "duplicate id": (
        "orders",
        ORDERS + "o2,u2,2026-09-04 10:00,5\n",
        'line 5, column id: duplicate orders key "o2" (first on line 3)',
    ),
    "duplicate spend day": (
        "spend",
        "date,channel,campaign_id,amount\n2026-09-01,tiktok,c1,5\n2026-09-01,tiktok,c1,6\n",
        'line 3, column date, channel, campaign_id: duplicate spend key "2026-09-01, tiktok, c1"',
    ),
    "unknown user": (
        "orders",
        ORDERS + "o4,u99,2026-09-04 10:00,5\n",
        'line 5, column user_id: unknown user id "u99" (import users before orders)',
    ),
    "empty required cell": (
        "orders",
        ORDERS + "o4,,2026-09-04 10:00,5\n",
        "line 5, column user_id: user_id is empty",
    ),
    "bad kind": (
        "channels",
        "key,name,kind\nbaidu,百度,search\n",
        'line 2, column kind: must be paid or organic, not "search"',
    ),
}


def test_bad_rows_import_nothing_and_say_where(
    base: Database, settings: Settings, tmp_path: Path
) -> None:
    before = {model: rows(base, model) for model in (Channel, User, Order, Spend)}
    runs = import_runs(base)
    for case, (table, text, expected) in BAD_ORDERS.items():
        with pytest.raises(ImportFailed) as failure:
            load(base, settings, table, write(tmp_path, f"{table}.csv", text))
        message = str(failure.value)
        assert expected in message, (case, message)
        assert "1 bad row" in message and "nothing was imported" in message
        assert "--skip-invalid" in message
        assert {model: rows(base, model) for model in before} == before, case
        assert import_runs(base) == runs


def test_report_lists_the_first_20_and_counts_the_rest(
    base: Database, settings: Settings, tmp_path: Path
) -> None:
    lines = [f"x{i},u1,2026-09-01 10:00,-{i}" for i in range(1, 31)]
    path = write(tmp_path, "orders.csv", "id,user_id,ordered_at,amount\n" + "\n".join(lines))
    with pytest.raises(ImportFailed) as failure:
        load(base, settings, "orders", path)
    message = str(failure.value)
    assert "30 bad rows of 30" in message
    assert message.count("column amount: negative amount") == 20
    assert "line 21, column amount" in message and "line 22," not in message
    assert "... and 10 more bad rows" in message


BAD_FILES = [
    ("orders.csv", "", "the file is empty"),
    ("orders.csv", "id,user_id,ordered_at,amount\n", "has a header but no rows"),
    ("orders.csv", "id,user_id,amount\no1,u1,5\n", "missing column(s) ordered_at"),
    ("orders.csv", "id,user_id,orderd_at,amount\n", 'ordered_at (found "orderd_at"?)'),
    ("orders.xlsx", "id\n", 'unsupported file type ".xlsx"'),
    ("orders.parquet", "not parquet", "not a readable Parquet file"),
    ("orders.csv", b"id,user_id,ordered_at,amount\no1,\xc4\xe3,2026-09-01,1\n", "not UTF-8"),
]


def test_bad_files_get_one_clear_line(base: Database, settings: Settings, tmp_path: Path) -> None:
    for name, content, expected in BAD_FILES:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        with pytest.raises(ImportFailed) as failure:
            load(base, settings, "orders", path)
        assert expected in str(failure.value), (name, str(failure.value))
        assert "\n" not in str(failure.value)
        assert rows(base, Order) == []


def test_missing_file_and_unknown_table(db: Database, settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no such file"):
        load(db, settings, "orders", tmp_path / "nope.csv")
    with pytest.raises(ImportFailed, match='unknown table "ordrs" - did you mean orders?'):
        load(db, settings, "ordrs", write(tmp_path, "orders.csv", ORDERS))


def test_orders_before_users_says_what_to_import_first(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(ImportFailed) as failure:
        load(db, settings, "orders", write(tmp_path, "orders.csv", ORDERS))
    assert "the users table is empty, import users before orders" in str(failure.value)
    assert "3 bad rows" in str(failure.value)


def test_bom_crlf_headers_and_extra_columns(
    base: Database, settings: Settings, tmp_path: Path
) -> None:
    text = (
        "\ufeff ID ,User ID,Ordered-At,AMOUNT,note\r\n"
        'o1,u1,2026-09-01 12:00:00,"1,250.00",first\r\n'
        "\r\n"
        "o2,u2,2026-09-02,3,second\r\n"
    )
    report = load(base, settings, "orders", write(tmp_path, "orders.csv", text))
    assert report.inserted == 2
    assert "Ignored column(s) not in orders: note" in str(report)
    assert rows(base, Order) == [
        ("o1", "u1", datetime(2026, 9, 1, 12, 0), 1250.0),
        ("o2", "u2", datetime(2026, 9, 2, 0, 0), 3.0),
    ]


def test_zoned_timestamps_become_workspace_wall_clock(db_url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=db_url, timezone="Asia/Shanghai")  # type: ignore[call-arg]
    db = Database.from_settings(settings)
    try:
        load(db, settings, "channels", write(tmp_path, "channels.csv", CHANNELS))
        text = (
            "id,signed_up_at,channel\n"
            "u1,2026-09-01T10:00:00Z,tiktok\n"
            "u2,2026-09-01 23:30:00+08:00,tiktok\n"
            "u3,2026-09-01T20:00:00-05:00,tiktok\n"
            "u4,2026-09-01 07:00:00,tiktok\n"
        )
        load(db, settings, "users", write(tmp_path, "users.csv", text))
        assert [r[1] for r in rows(db, User)] == [
            datetime(2026, 9, 1, 18, 0),
            datetime(2026, 9, 1, 23, 30),
            datetime(2026, 9, 2, 9, 0),
            datetime(2026, 9, 1, 7, 0),
        ]
    finally:
        db.dispose()


def test_skip_invalid_loads_good_rows_and_writes_rejects(
    base: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rejected rows are read back from the staging table in several parts.
    monkeypatch.setattr("bot.data.importer.rejects.STREAM_ROWS", 1)
    text = ORDERS + (
        "o4,u2,2026-09-04 10:00,-5\n"  # line 5: negative
        "o5,u404,2026-09-04 10:00,5\n"  # line 6: unknown user
        "o1,u2,2026-09-05 10:00,5\n"  # line 7: duplicate of line 2
        "o6,u3,2026-09-05 10:00,6\n"  # line 8: good
    )
    report = load(base, settings, "orders", write(tmp_path, "orders.csv", text), skip_invalid=True)
    assert (report.rows_read, report.inserted, report.rejected) == (7, 4, 3)
    assert report.rejects_path == tmp_path / "orders.rejects.csv"
    assert {r[0] for r in rows(base, Order)} == {"o1", "o2", "o3", "o6"}
    rejects = pd.read_csv(tmp_path / "orders.rejects.csv", dtype=str).sort_values("line")
    assert rejects["line"].tolist() == ["5", "6", "7"]
    assert rejects["id"].tolist() == ["o4", "o5", "o1"]
    assert "negative amount" in rejects["reason"].iloc[0]
    assert "unknown user id" in rejects["reason"].iloc[1]
    assert "duplicate" in rejects["reason"].iloc[2]
    assert "3 rejected" in str(report) and "orders.rejects.csv" in str(report)


def test_spend_defaults_and_empty_campaign(
    base: Database, settings: Settings, tmp_path: Path
) -> None:
    text = "date,channel,campaign_id,amount\n2026-09-01,tiktok,,100\n2026-09-01,tiktok,c1,50.5\n"
    load(base, settings, "spend", write(tmp_path, "spend.csv", text))
    assert rows(base, Spend) == [
        (date(2026, 9, 1), "tiktok", "", 100.0, 0, 0),
        (date(2026, 9, 1), "tiktok", "c1", 50.5, 0, 0),
    ]
    again = load(base, settings, "spend", write(tmp_path, "spend.csv", text), skip_invalid=True)
    assert again.unchanged == 2 and again.rejects_path is None
    assert not (tmp_path / "spend.rejects.csv").exists()


def test_parquet_import(base: Database, settings: Settings, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": ["o1", "o2"],
            "user_id": ["u1", "u2"],
            "ordered_at": pd.to_datetime(["2026-09-01 12:00", "2026-09-02 08:30"]),
            "amount": [10.5, 20.0],
        }
    )
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path, row_group_size=1)
    report = load(base, settings, "orders", path)
    assert report.inserted == 2
    assert rows(base, Order)[1] == ("o2", "u2", datetime(2026, 9, 2, 8, 30), 20.0)
    frame.loc[1, "amount"] = -1.0
    frame.to_parquet(path)
    with pytest.raises(ImportFailed, match="row 2, column amount: negative amount"):
        load(base, settings, "orders", path)


def test_cli_exit_codes(
    db_url: str, base: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    refreshed: list[str] = []
    monkeypatch.setattr("bot.cli._refresh_rollups", lambda settings, db: refreshed.append("x"))
    runner = CliRunner()
    good = write(tmp_path, "orders.csv", ORDERS)
    result = runner.invoke(cli, ["import", "orders", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 loaded" in result.output and refreshed == ["x"]

    bad = write(tmp_path, "bad.csv", ORDERS + "o9,u1,2026-09-09 10:00,-1\n")
    failed = runner.invoke(cli, ["import", "orders", str(bad)])
    assert failed.exit_code == 1
    assert "line 5, column amount: negative amount" in failed.output
    assert refreshed == ["x"]

    skipped = runner.invoke(cli, ["import", "orders", str(bad), "--skip-invalid"])
    assert skipped.exit_code == 0 and "1 rejected" in skipped.output
    assert (tmp_path / "bad.rejects.csv").exists()

    typo = runner.invoke(cli, ["import", "ordrs", str(good)])
    assert typo.exit_code == 1 and "did you mean orders?" in typo.output
