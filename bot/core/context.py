"""The one context object: the settings, both stores and the clock, and who acts where.

Every feature function that acts for someone takes a Context instead of a tuple of
(db, settings, workspace_id, actor, clock). Slack listeners build one per request
(bot.slack.listener), the console and the CLI one per command, jobs one per workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.i18n import Language, Words, words
from bot.core.settings import Settings
from bot.core.workspace import SINGLE_WORKSPACE, effective_settings, is_bot_admin

Surface = Literal["slack", "console", "cli", "job"]
# Someone at the console or the command line runs the bot's own machine: they administer it.
OPERATOR_SURFACES = ("console", "cli")


@dataclass(frozen=True)
class Context:
    """Who acts (`actor`, a Slack user id), in which workspace and channel, from which surface,
    with the environment's settings (`env`), the stores and the clock."""

    env: Settings
    db: Database
    clock: Clock = SYSTEM_CLOCK
    workspace_id: str = SINGLE_WORKSPACE
    actor: str | None = None
    channel_id: str | None = None
    surface: Surface = "job"
    trigger_id: str | None = None
    # The language of the question being answered; None: the workspace's LANGUAGE.
    language: Language | None = None
    # Asks Slack whether the actor is a workspace admin or owner; called at most once.
    slack_admin_check: Callable[[], bool] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def settings(self) -> Settings:
        """The environment's settings with the workspace's saved values applied on top."""
        return effective_settings(self.db, self.env, self.workspace_id)

    @property
    def lang(self) -> Language:
        """The language answers are in: the question's (`language`), else the workspace's."""
        return self.language or self.settings.language

    @property
    def first_lang(self) -> Language:
        """The language known before any database work (the question's, else LANGUAGE from the
        environment): for a form opened while Slack's trigger id is fresh."""
        return self.language or self.env.language

    @property
    def words(self) -> Words:
        """The messages in `lang` (`ctx.words._("...")`)."""
        return words(self.lang)

    def in_language(self, language: Language | None) -> Context:
        """The same context answering in `language` (None: the workspace's)."""
        if language == self.language:
            return self
        other = replace(self, language=language)
        if "settings" in self.__dict__:
            other.__dict__["settings"] = self.__dict__["settings"]
        return other

    @cached_property
    def is_slack_admin(self) -> bool:
        """True when Slack says the actor is a workspace admin or owner (asked lazily, once)."""
        return bool(self.slack_admin_check is not None and self.slack_admin_check())

    @cached_property
    def is_admin(self) -> bool:
        """Operators at the console or CLI, bot admins (`warroom team add ... --admin`) and
        Slack workspace admins and owners may change settings, the team and the budget."""
        if self.surface in OPERATOR_SURFACES:
            return True
        if self.actor and is_bot_admin(self.db, self.workspace_id, self.actor):
            return True
        return self.is_slack_admin

    def for_workspace(self, workspace_id: str) -> Context:
        """The same context in another workspace (jobs run one per workspace)."""
        return replace(self, workspace_id=workspace_id)
