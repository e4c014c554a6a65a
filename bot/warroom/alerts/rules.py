"""The playbook rules as data, and their evaluation over the latest complete, loaded days.

A rule is one declaration: who owns the response and what it is, the setting holding its
threshold, the fact tables it reads and its check. Adding one to RULES is all it takes: the
evaluation loops over RULES, the settings form lists each rule's threshold, and alert
messages, the digest and App Home render any rule from its declaration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.core.clock import SYSTEM_CLOCK, Clock
from bot.core.db import Database
from bot.core.facts import fact_day_ranges
from bot.core.i18n import N_
from bot.core.settings import Settings
from bot.warroom.alerts.checks import (
    Finding,
    Inputs,
    check_ltv_cac,
    check_retention,
    check_roi,
    check_surge,
)

log = logging.getLogger(__name__)

Check = Callable[[Inputs], list[Finding]]

SURGE_LEVELS = (
    N_("Level 1 (operations): throttle promotions and protect high-value users' orders"),
    N_("Level 2 (marketing): pause the weakest channels and campaigns"),
    N_("Level 3 (operations with engineering): scale out the infrastructure"),
)


@dataclass(frozen=True)
class Rule:
    """One playbook rule: what it watches, who owns the response and what it is."""

    name: str
    title: str
    owners: tuple[str, ...]
    action: str
    # The Settings field holding the rule's threshold, and its label on the settings form.
    setting: str
    setting_label: str
    check: Check
    # The fact tables the check reads, each with the days that table must be loaded past
    # the last day checked. The rule says nothing until every one of them is loaded.
    tables: dict[str, int] = field(default_factory=dict, hash=False)
    # A checklist shown under the alert when it opens, with its heading.
    steps_title: str = ""
    steps: tuple[str, ...] = ()


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "ltv_cac_low",
            N_("LTV/CAC under target"),
            ("marketing", "operations"),
            N_("start a joint marketing-operations review"),
            setting="alert_ltv_cac_min",
            setting_label=N_("Alert: LTV/CAC under"),
            check=check_ltv_cac,
            tables={"spend": 0, "orders": 0},
        ),
        Rule(
            "retention_drop",
            N_("D1 retention falling"),
            ("marketing", "operations"),
            N_("marketing: adjust content; operations: fix onboarding"),
            setting="alert_retention_drop_days",
            setting_label=N_("Alert: D1 retention down this many days"),
            check=check_retention,
            # D1 of a sign-up day needs the whole next day of activity.
            tables={"users": 0, "activity": 1},
        ),
        Rule(
            "roi_below_benchmark",
            N_("ROI under benchmark"),
            ("operations",),
            N_("operations: start an alternative-plan test for this channel"),
            setting="alert_roi_weeks",
            setting_label=N_("Alert: ROI under benchmark this many weeks"),
            check=check_roi,
            tables={"spend": 0, "orders": 0, "users": 0},
        ),
        Rule(
            "traffic_surge",
            N_("Traffic surge"),
            ("operations", "marketing"),
            N_("run the three-level response"),
            setting="alert_surge_factor",
            setting_label=N_("Alert: sign-up surge factor"),
            # It finds the latest loaded hour of sign-ups itself.
            check=check_surge,
            steps_title=N_("Three-level response"),
            steps=SURGE_LEVELS,
        ),
    )
}


def facts_loaded_through(db: Database) -> dict[str, date | None]:
    """The latest day present in each growth-fact table (None: nothing loaded)."""
    with db.analytics.connect() as connection:
        return {name: last for name, (_first, last) in fact_day_ranges(connection).items()}


def last_day_checked(rule: Rule, loaded: dict[str, date | None], today: date) -> date | None:
    """The last day `rule` looks at: yesterday at the latest, and no later than any of its
    tables is loaded (less that table's lag); None while one of them is not loaded."""
    days = [today - timedelta(days=1)]
    for table, lag in rule.tables.items():
        through = loaded.get(table)
        if through is None:
            return None
        days.append(through - timedelta(days=lag))
    return min(days)


def evaluate_rule(
    rule: Rule,
    settings: Settings,
    db: Database,
    clock: Clock = SYSTEM_CLOCK,
    loaded: dict[str, date | None] | None = None,
) -> list[Finding]:
    """One rule with the threshold in `settings` over the latest complete, loaded days
    (`loaded`: facts_loaded_through, read when not given); [] while its facts are not loaded."""
    if loaded is None:
        loaded = facts_loaded_through(db)
    end = last_day_checked(rule, loaded, clock.today(settings.tz))
    if end is None:
        return []
    threshold = getattr(settings, rule.setting)
    return rule.check(Inputs(rule.name, settings, db, clock, end, threshold))


def evaluate_rules(settings: Settings, db: Database, clock: Clock = SYSTEM_CLOCK) -> list[Finding]:
    """Every rule over the latest complete, loaded periods (rules without data say nothing;
    a rule that fails is logged and the others still count)."""
    loaded = facts_loaded_through(db)
    findings: list[Finding] = []
    for rule in RULES.values():
        try:
            findings.extend(evaluate_rule(rule, settings, db, clock, loaded))
        except Exception:
            log.exception("playbook rule %s could not be evaluated", rule.name)
    return findings
