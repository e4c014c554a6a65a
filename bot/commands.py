"""What the console answers: the same words a person types in Slack, as plain text."""

from __future__ import annotations

from bot.db import Database
from bot.settings import Settings

METRIC_COMMANDS = ("/ltv", "/cac", "/roi", "/retention", "/metric")

HELP = """\
War Room bot: ask for numbers, read the war room, spend the fund together.

  /ltv channel=tiktok                     lifetime value, last 30 complete days vs the 30 before
  /cac channel=tiktok,douyin by=channel   acquisition cost, broken down by channel
  /roi period=2026-10                     return on spend for a calendar month
  /retention d=1 since=14d grain=day      next-day retention, day by day
  /metric ltv_cac from=2026-09-01 to=2026-09-30 kind=paid
  /metric list                            every metric with its definition
  /warroom help                           this help
  /fund                                   the innovation fund"""


def answer_text(text: str, settings: Settings, db: Database) -> str:
    """Answer one typed command as text."""
    words = text.split()
    command = words[0].lower() if words else ""
    if command in ("/warroom", "help", "/help") and (len(words) < 2 or words[1] == "help"):
        return HELP
    if command in METRIC_COMMANDS:
        return f"{command} is not available yet: the metric engine is still being built."
    if command == "/fund":
        return "/fund is not available yet: the innovation fund is still being built."
    return f'Unknown command "{words[0] if words else text}". Type /warroom help for the list.'
