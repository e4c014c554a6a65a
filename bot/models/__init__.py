"""Every table, one module per area; importing this package registers them all on
Base.metadata (Alembic's target). Import tables from here: `from bot.models import Proposal`."""

from bot.models.base import ID, KEY, MONEY, TEAMS, Base
from bot.models.facts import (
    CHANNEL_KINDS,
    Activity,
    Campaign,
    Channel,
    ImportRun,
    Lead,
    Order,
    Spend,
    User,
)
from bot.models.fund import PROPOSAL_STATES, Fund, Proposal, ProposalApproval, ProposalEvent
from bot.models.installs import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES
from bot.models.okrs import KeyResult, Okr
from bot.models.rollups import (
    RollupCampaign,
    RollupChannel,
    RollupCustomerDay,
    RollupDaily,
    RollupLeadPart,
    RollupLtvPart,
    RollupMeta,
    RollupRepeatWindow,
    RollupRetention,
    RollupRoiPart,
    RollupState,
)
from bot.models.warroom import ALERT_STATES, AlertState, StandupUpdate
from bot.models.workspace import (
    POST_STATES,
    REQUEST_STATES,
    RUN_STATES,
    HandledRequest,
    JobRun,
    SlackEvent,
    SlackPost,
    TeamMember,
    Workspace,
)

FACT_TABLES: tuple[type[Base], ...] = (Channel, Campaign, Spend, User, Lead, Order, Activity)

__all__ = [
    "ALERT_STATES",
    "CHANNEL_KINDS",
    "FACT_TABLES",
    "ID",
    "KEY",
    "MONEY",
    "POST_STATES",
    "PROPOSAL_STATES",
    "REQUEST_STATES",
    "RUN_STATES",
    "SLACK_BOTS",
    "SLACK_INSTALLATIONS",
    "SLACK_OAUTH_STATES",
    "TEAMS",
    "Activity",
    "AlertState",
    "Base",
    "Campaign",
    "Channel",
    "Fund",
    "HandledRequest",
    "ImportRun",
    "JobRun",
    "KeyResult",
    "Lead",
    "Okr",
    "Order",
    "Proposal",
    "ProposalApproval",
    "ProposalEvent",
    "RollupCampaign",
    "RollupChannel",
    "RollupCustomerDay",
    "RollupDaily",
    "RollupLeadPart",
    "RollupLtvPart",
    "RollupMeta",
    "RollupRepeatWindow",
    "RollupRetention",
    "RollupRoiPart",
    "RollupState",
    "SlackEvent",
    "SlackPost",
    "StandupUpdate",
    "TeamMember",
    "User",
    "Workspace",
]
