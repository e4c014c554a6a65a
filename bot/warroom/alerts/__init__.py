"""Playbook alerts: the rules as data (rules), the checks behind them (checks), and the
alerts' stored state and Slack posts (store).

An alert is one (rule, subject) pair, the subject being a channel key or "all". It is posted
when it opens and when it resolves, listed in the digest while open, and never re-posted in
between. Rules look only at complete, loaded days; a rule whose facts are not loaded says
nothing.
"""

from bot.warroom.alerts.checks import (
    ALL,
    SURGE_MIN_SIGNUPS,
    Finding,
    Inputs,
    check_ltv_cac,
    check_retention,
    check_roi,
    check_surge,
    hourly_signups,
    is_surge,
    ltv_cac_low,
    strictly_falling,
    under_every_week,
)
from bot.warroom.alerts.rules import (
    RULES,
    SURGE_LEVELS,
    Check,
    Rule,
    evaluate_rule,
    evaluate_rules,
    facts_loaded_through,
    last_day_checked,
)
from bot.warroom.alerts.store import (
    Alert,
    Change,
    apply_findings,
    evaluate,
    open_alerts,
    preview,
    record_post,
    unposted,
)

__all__ = [
    "ALL",
    "RULES",
    "SURGE_LEVELS",
    "SURGE_MIN_SIGNUPS",
    "Alert",
    "Change",
    "Check",
    "Finding",
    "Inputs",
    "Rule",
    "apply_findings",
    "check_ltv_cac",
    "check_retention",
    "check_roi",
    "check_surge",
    "evaluate",
    "evaluate_rule",
    "evaluate_rules",
    "facts_loaded_through",
    "hourly_signups",
    "is_surge",
    "last_day_checked",
    "ltv_cac_low",
    "open_alerts",
    "preview",
    "record_post",
    "strictly_falling",
    "under_every_week",
    "unposted",
]
