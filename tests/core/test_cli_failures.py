"""Every `warroom` command with a database that cannot be reached: one line naming where and
why (the password masked), exit status 2, no traceback unless --debug. Arguments holding a
NUL or undecodable bytes are refused before any command runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1: the connection is refused at once.
WRONG_URL = "postgresql+psycopg://warroom:s3cr3t-pw@127.0.0.1:1/warroom"
SLACK = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret"}

# Every command (by its path under `warroom`), with arguments that get it to its database.
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "migrate": ([], {}),
    "console": ([], {}),
    "run": ([], {}),
    "scheduler": ([], {}),
    "demo-data": (["--users", "10", "--days", "28"], {}),
    "import": (["channels", "channels.csv"], {}),
    "ask": (["/ltv channel=tiktok"], {}),
    "rollups": ([], {}),
    "digest": (["--dry-run"], {}),
    "alerts": ([], {}),
    "team add": (["marketing", "U0MKT"], {}),
    "team remove": (["U0MKT"], {}),
    "team list": ([], {}),
    "fund budget": (["2027", "12m"], {}),
    "fund list": ([], {}),
    "fund history": (["1"], {}),
    "fund propose": (
        [
            *("--title", "t", "--problem", "p", "--plan", "q", "--amount", "1k"),
            *("--metric", "cac", "--target", "300", "--start", "2027-01-01", "--end", "2027-02-01"),
            *("--marketing-sponsor", "U0MKT", "--operations-sponsor", "U0OPS"),
        ],
        {},
    ),
    "okr add": (["Grow", "--quarter", "2027-Q1", "--team", "joint"], {}),
    "okr kr": (["1", "/cac", "--target", "400"], {}),
    "okr checkin": (["1", "--confidence", "0.7"], {}),
    "okr list": ([], {}),
}
# The same commands reached another way: other options, Slack modes.
VARIANTS: list[tuple[list[str], dict[str, str]]] = [
    (["run"], SLACK),
    (["ask", "--json", "/ltv"], {}),
    (["ask", "/warroom help"], {}),
    (["ask", "/fund"], {}),
    (["ask", "--json", "/journey"], {}),
    (["okr", "list", "--json"], {}),
    (["digest", "--send"], {}),
]


def _leaves(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names += _leaves(command, f"{prefix}{name} ")
        else:
            names.append(prefix + name)
    return names


def test_every_command_is_covered_here() -> None:
    assert sorted(_leaves(cli)) == sorted(COMMANDS)


def _invoke(args: list[str], env: dict[str, str], url: str = WRONG_URL) -> click.testing.Result:
    return CliRunner().invoke(cli, args, env={"DATABASE_URL": url, **env}, input="")


def _cases() -> list[tuple[list[str], dict[str, str]]]:
    return [(name.split() + args, env) for name, (args, env) in COMMANDS.items()] + VARIANTS


@pytest.mark.parametrize(("args", "env"), _cases(), ids=lambda v: " ".join(v) if v else "")
def test_a_wrong_database_url_is_one_line_and_exit_2(args, env, tmp_path: Path) -> None:
    (tmp_path / "channels.csv").write_text("id,name,kind\ntiktok,TikTok,paid\n")
    result = _invoke(args, env)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Cannot reach the database (postgresql at 127.0.0.1:1/warroom)")
    assert "Connection refused" in lines[0] or "connection refused" in lines[0].lower()
    assert "s3cr3t-pw" not in result.output
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = _invoke(["--debug", "team", "list"], {})
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Cannot reach the database")
    assert "s3cr3t-pw" not in result.output


def test_an_unopenable_sqlite_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _invoke(["migrate"], {}, url=f"sqlite:///{blocker}/sub/warroom.db")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Cannot open the database:")


def test_a_database_failing_mid_command_is_one_line(db_url: str, monkeypatch) -> None:
    """A store that answers the first check, then fails (OperationalError): one line too."""
    from sqlalchemy.exc import OperationalError

    def gone(*_: object, **__: object) -> None:
        raise OperationalError("SELECT", {}, ConnectionResetError("server closed the connection"))

    monkeypatch.setattr("bot.cli.list_members", gone)
    result = _invoke(["team", "list"], {}, url=db_url)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Database error (") and "server closed the connection" in line


def test_the_real_process_prints_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=WRONG_URL, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("bad", ["/ltv channel=\x00tiktok", "/ltv channel=\udcfftiktok"])
def test_arguments_with_nul_or_undecodable_bytes_are_refused(bad: str, tmp_path: Path) -> None:
    result = _invoke(["ask", bad], {}, url=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2
    assert "holds a NUL or bytes that are not UTF-8 text" in result.output
    assert "Traceback" not in result.output
