"""The one command core: Slack's slash commands and the local console both answer through here.

A command is a function `(text, invocation) -> Reply`. Slack handlers and the console only
parse the request, call `answer_command` and deliver the Reply; nothing here knows Slack's
transport. To add a command, add one entry to COMMANDS; to add a `/warroom` subcommand, add
one entry to WARROOM_SUBCOMMANDS (use `lazy` to point at a function in another module).
"""

from __future__ import annotations

import difflib
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from bot.core.clock import Clock
from bot.core.context import Services
from bot.core.db import Database
from bot.core.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Invocation:
    """Who asked, where, and with which services; `settings` has the workspace's overrides."""

    services: Services
    workspace_id: str
    user_id: str | None = None
    channel_id: str | None = None
    user_name: str | None = None
    team_id: str | None = None
    trigger_id: str | None = None
    surface: Literal["slack", "console"] = "slack"

    @cached_property
    def settings(self) -> Settings:
        """The environment's settings with the workspace's saved values applied."""
        from bot.core.workspace import effective_settings

        return effective_settings(self.services.db, self.services.settings, self.workspace_id)

    @property
    def db(self) -> Database:
        """Both stores."""
        return self.services.db

    @property
    def clock(self) -> Clock:
        """The clock answers are computed against."""
        return self.services.clock


@dataclass
class Reply:
    """An answer: a message (blocks + text) and/or a modal view to open.

    `public` posts the message for the whole channel instead of only to the person asking.
    """

    message: dict[str, Any] | None = None
    modal: dict[str, Any] | None = None
    public: bool = False
    # True for an answer that says what to change (the CLI exits non-zero on it).
    failed: bool = False

    @classmethod
    def text(cls, text: str, public: bool = False) -> Reply:
        """A plain text answer."""
        from bot.core.render import text_message

        return cls(message=text_message(text), public=public)

    @classmethod
    def error(cls, problem: str) -> Reply:
        """A short, private error that says what to change."""
        from bot.core.render import error_message

        return cls(message=error_message(problem), failed=True)


CommandHandler = Callable[[str, Invocation], Reply]


def lazy(module: str, name: str) -> CommandHandler:
    """A handler that imports `module.name` on first use (keeps start-up light, no cycles)."""

    def run(text: str, invocation: Invocation) -> Reply:
        return getattr(importlib.import_module(module), name)(text, invocation)

    run.__name__ = name
    run.__qualname__ = f"lazy({module}.{name})"
    return run


# --------------------------------------------------------------------------- help

HELP = """\
*War Room*: ask for numbers, read the war room, spend the fund together.

*Metrics* (answers are private; use *Share to channel* to show the team)
`/ltv channel=tiktok` – lifetime value, last 30 complete days vs the 30 before
`/cac channel=tiktok,douyin by=channel` – acquisition cost, broken down by channel
`/roi period=2026-10` – return on spend for a calendar month
`/retention d=1 since=14d grain=day` – next-day retention, day by day
`/metric ltv_cac from=2026-09-01 to=2026-09-30 kind=paid` – any metric
`/metric list` – every metric with its definition

*Filters and options*: `channel=` `campaign=` `kind=paid|organic` `by=channel|campaign|kind`
`since=14d` `period=2026-10` `from=` `to=` `grain=day|week|month` `vs=prev|yoy|none`

*War room*
`/warroom help` – this help
`/warroom settings` – digest channel and time, alert thresholds (admins)
`/warroom team` – who is in marketing and operations, and who approves
`/warroom digest now` – post today's digest now

*Innovation fund*
`/fund propose` · `/fund list` · `/fund budget 2027 12000000` (admins)"""


def warroom_help(text: str, invocation: Invocation) -> Reply:
    """The list of commands with examples."""
    return Reply.text(HELP)


# --------------------------------------------------------------------------- metrics

METRIC_COMMANDS = ("/ltv", "/cac", "/roi", "/retention", "/metric")


def ask_metric(command: str, text: str, invocation: Invocation) -> Any:
    """The engine's Result for a metric command; raises QueryError for bad input."""
    from bot.metrics.engine import ask

    return ask(f"{command} {text}".strip(), invocation.settings, invocation.db, invocation.clock)


def _metric_command(command: str) -> CommandHandler:
    def run(text: str, invocation: Invocation) -> Reply:
        from bot.metrics.query import QueryError

        if command == "/metric" and text.strip().lower() in ("", "list", "help"):
            from bot.metrics.format import metrics_list_text

            return Reply.text(metrics_list_text())
        try:
            result = ask_metric(command, text, invocation)
        except QueryError as problem:
            return Reply.error(str(problem))
        from bot.metrics.render import metric_message

        return Reply(message=metric_message(result, invocation.settings))

    run.__name__ = f"metric_{command.strip('/')}"
    return run


def share_metric(text: str, invocation: Invocation) -> Reply:
    """The answer to `text` (e.g. "/ltv channel=tiktok") for the whole channel, credited."""
    from bot.metrics.query import QueryError
    from bot.metrics.render import metric_message

    command, _, rest = text.strip().partition(" ")
    try:
        result = ask_metric(command, rest, invocation)
    except QueryError as problem:
        return Reply.error(str(problem))
    return Reply(
        message=metric_message(
            result, invocation.settings, buttons=False, shared_by=invocation.user_id
        ),
        public=True,
    )


@dataclass(frozen=True)
class Chart:
    """A rendered chart ready to upload."""

    title: str
    filename: str
    png: bytes


def metric_chart(text: str, invocation: Invocation) -> Chart | Reply:
    """A PNG chart of the metric asked in `text` over time, or a Reply explaining why not."""
    from bot.metrics.charts import metric_chart_png
    from bot.metrics.format import metric_title
    from bot.metrics.query import QueryError

    command, _, rest = text.strip().partition(" ")
    if "grain=" not in rest:
        rest = f"{rest} grain=day".strip()
    try:
        result = ask_metric(command, rest, invocation)
    except QueryError as problem:
        return Reply.error(str(problem))
    if not result.series or all(p.value is None for p in result.series):
        return Reply.error(f"There is nothing to chart for {text.strip()}: no data in the period.")
    title = metric_title(result.query)
    png = metric_chart_png(result, invocation.settings)
    slug = "".join(c if c.isalnum() else "-" for c in text.strip("/ ").lower())[:60]
    return Chart(title=title, filename=f"{slug or 'chart'}.png", png=png)


# --------------------------------------------------------------------------- /warroom

WARROOM_SUBCOMMANDS: dict[str, CommandHandler] = {
    "help": warroom_help,
    "settings": lazy("bot.warroom.commands", "settings_command"),
    "team": lazy("bot.warroom.commands", "team_command"),
    "digest": lazy("bot.warroom.commands", "digest_command"),
}


def warroom(text: str, invocation: Invocation) -> Reply:
    """`/warroom <subcommand> ...`: dispatched through WARROOM_SUBCOMMANDS."""
    word, _, rest = text.strip().partition(" ")
    word = word.lower() or "help"
    handler = WARROOM_SUBCOMMANDS.get(word)
    if handler is None:
        return Reply.error(
            f"There is no /warroom {word}.{_suggest(word, WARROOM_SUBCOMMANDS)} "
            f"Try: {', '.join(f'/warroom {w}' for w in WARROOM_SUBCOMMANDS)}."
        )
    return handler(rest.strip(), invocation)


def _suggest(word: str, choices: object) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)  # type: ignore[arg-type]
    return f' Did you mean "{close[0]}"?' if close else ""


# --------------------------------------------------------------------------- the table

COMMANDS: dict[str, CommandHandler] = {
    **{name: _metric_command(name) for name in METRIC_COMMANDS},
    "/warroom": warroom,
    "/fund": lazy("bot.fund.commands", "fund_command"),
}


def answer_command(command: str, text: str, invocation: Invocation) -> Reply:
    """Answer one slash command (e.g. "/ltv", "channel=tiktok") for `invocation`."""
    name = command.strip().lower()
    if not name.startswith("/"):
        name = "/" + name
    handler = COMMANDS.get(name)
    if handler is None:
        return Reply.error(
            f'Unknown command "{command.strip()}".{_suggest(name, COMMANDS)} '
            "Type /warroom help for the list."
        )
    return handler(text.strip(), invocation)


def split_line(line: str) -> tuple[str, str]:
    """A typed line as (command, text); "help" alone means /warroom help."""
    word, _, rest = line.strip().partition(" ")
    if word.lower() in ("help", "/help", "?"):
        return "/warroom", "help"
    if not word.startswith("/") and "/" + word.lower() in COMMANDS:
        word = "/" + word
    return word, rest.strip()


def console_invocation(settings: Settings, db: Database, clock: Clock | None = None) -> Invocation:
    """How the local console asks: the shared single workspace, as a local user."""
    from bot.core.workspace import workspace_key

    services = (
        Services(settings=settings, db=db) if clock is None else Services(settings, db, clock)
    )
    return Invocation(
        services=services,
        workspace_id=workspace_key(settings, None),
        user_id="console",
        user_name="console",
        surface="console",
    )


def answer_text(text: str, settings: Settings, db: Database, clock: Clock | None = None) -> str:
    """Answer one typed line as the text a person would read in Slack (for the console)."""
    return reply_as_text(answer_line(text, settings, db, clock))


def answer_line(text: str, settings: Settings, db: Database, clock: Clock | None = None) -> Reply:
    """Answer one typed line ("/fund list") the way Slack would, as a Reply."""
    command, rest = split_line(text)
    return answer_command(command, rest, console_invocation(settings, db, clock))


def reply_as_text(reply: Reply) -> str:
    """The text a person reads in a Reply's message and modal."""
    from bot.core.render import blocks_as_text

    parts = []
    if reply.message:
        parts.append(blocks_as_text(reply.message))
    if reply.modal:
        parts.append(blocks_as_text(reply.modal, modal=True))
    return "\n\n".join(parts) or "(no answer)"
