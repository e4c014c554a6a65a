"""The user journey map with its owners, and the north-star card.

The journey file (YAML) lists the touchpoints from the first impression to the repeat
purchase, marketing's first and operations' after the hand-off; `/journey` shows each one's
volume and conversion against the previous period and names the step that fell most.
`/northstar` shows the numbers both teams steer by. Other features use the journey through
these names only (an import contract checks it).
"""

from bot.journey.commands import (
    digest_lines,
    home_section,
    journey_as_json,
    journey_command,
    journey_funnel,
    northstar_command,
)
from bot.journey.funnel import Funnel, Step, biggest_drop, build_steps
from bot.journey.map import DEFAULT_FILE, JourneyFileError, JourneyMap, Point, load_map, parse_map
from bot.journey.northstar import NORTH_STAR, Star, north_star

__all__ = [
    "DEFAULT_FILE",
    "NORTH_STAR",
    "Funnel",
    "JourneyFileError",
    "JourneyMap",
    "Point",
    "Star",
    "Step",
    "biggest_drop",
    "build_steps",
    "digest_lines",
    "home_section",
    "journey_as_json",
    "journey_command",
    "journey_funnel",
    "load_map",
    "north_star",
    "northstar_command",
    "parse_map",
]
