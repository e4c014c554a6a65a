"""The joint innovation fund."""

from bot.fund.ledger import *  # noqa: F401,F403
from bot.fund.ledger import (  # noqa: F401
    FIELDS,
    Event,
    FundError,
    FundSummary,
    ProposalDraft,
    ProposalView,
)
