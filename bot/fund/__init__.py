"""The joint innovation fund: budgets, proposals, decisions and their audit trail."""

from bot.fund.commands import digest_lines, fund_command, home_section
from bot.fund.ledger import *  # noqa: F401,F403
from bot.fund.ledger import (  # noqa: F401
    FIELDS,
    Event,
    FundError,
    FundSummary,
    ProposalDraft,
    ProposalView,
)

__all__ = ["digest_lines", "fund_command", "home_section"]
