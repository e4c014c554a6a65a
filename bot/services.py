"""What every answer needs from the core: settings, the stores and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import SYSTEM_CLOCK, Clock
from bot.db import Database
from bot.settings import Settings


@dataclass
class Services:
    """The settings, stores and clock one running bot works with."""

    settings: Settings
    db: Database
    clock: Clock = field(default=SYSTEM_CLOCK)
