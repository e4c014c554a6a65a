"""What every answer needs from the core: settings, the stores and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.settings import Settings


@dataclass
class Services:
    """The settings, stores and clock one running bot works with."""

    settings: Settings
    db: Database
    clock: Clock = field(default=SYSTEM_CLOCK)
