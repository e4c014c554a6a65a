"""The joint innovation fund: budgets, proposals, decisions and their audit trail.

`from bot import fund; fund.approve(ctx, 7)`: the public names are re-exported here from the
modules that own them (ledger: writes; policy: who may; forms: the forms; reading: reads;
views: snapshots; commands: `/fund` and the Home and digest sections)."""

from bot.fund.commands import digest_lines, fund_command, home_section
from bot.fund.errors import FundError, InvalidInput
from bot.fund.forms import (
    FIELDS,
    CompletionInput,
    ProposalDraft,
    ProposalInput,
    parse_number,
    validate_completion,
    validate_proposal,
)
from bot.fund.ledger import (
    approve,
    complete,
    pool_of,
    reject,
    request_changes,
    resubmit_proposal,
    set_budget,
    set_message,
    submit_proposal,
    withdraw,
)
from bot.fund.policy import NOT_ADMIN, NOT_COMPLETER, OUTSIDER, refusal
from bot.fund.reading import (
    ListFilter,
    awaiting,
    current_year,
    fund_summary,
    get_proposal,
    list_proposals,
    parse_list_filter,
    proposal_history,
)
from bot.fund.views import Approval, Event, FundSummary, Outcome, ProposalView
from bot.models.fund import PROPOSAL_STATES, ProposalStatus

__all__ = [
    "FIELDS",
    "NOT_ADMIN",
    "NOT_COMPLETER",
    "OUTSIDER",
    "PROPOSAL_STATES",
    "Approval",
    "CompletionInput",
    "Event",
    "FundError",
    "FundSummary",
    "InvalidInput",
    "ListFilter",
    "Outcome",
    "ProposalDraft",
    "ProposalInput",
    "ProposalStatus",
    "ProposalView",
    "approve",
    "awaiting",
    "complete",
    "current_year",
    "digest_lines",
    "fund_command",
    "fund_summary",
    "get_proposal",
    "home_section",
    "list_proposals",
    "parse_list_filter",
    "parse_number",
    "pool_of",
    "proposal_history",
    "refusal",
    "reject",
    "request_changes",
    "resubmit_proposal",
    "set_budget",
    "set_message",
    "submit_proposal",
    "validate_completion",
    "validate_proposal",
    "withdraw",
]
