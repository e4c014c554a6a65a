"""Shared OKRs on live metrics: objectives owned by marketing, operations or both, key results
that are metric questions (or numbers the team reports) with a target, their progress and
status against the share of the quarter gone by, and the weekly check-ins.

Other features use the OKRs through these names only (an import contract checks it).
"""

from bot.okrs.cli import okr_group
from bot.okrs.commands import (
    checkin_form,
    checkin_saved,
    created_text,
    current_scores,
    digest_lines,
    form_quarters,
    home_section,
    new_okr_form,
    okr_command,
    okrs_as_json,
)
from bot.okrs.forms import CheckinSaved, InvalidInput, submit_checkin, submit_new_okr
from bot.okrs.objectives import (
    Checkin,
    KeyResultInput,
    KeyResultView,
    OkrError,
    OkrView,
    add_key_result,
    add_okr,
    check_in,
    get_okr,
    key_result_input,
    list_okrs,
    owners_of,
    set_message,
)
from bot.okrs.progress import (
    STATUSES,
    Status,
    elapsed_share,
    parse_quarter,
    progress_of,
    quarter_of,
    status_of,
)
from bot.okrs.render import (
    CHECKIN_ACTION,
    CHECKIN_VIEW,
    NEW_ACTION,
    NEW_VIEW,
    checkin_prompt,
    checkin_saved_text,
    new_okr_modal,
    okr_message,
)
from bot.okrs.scoring import OkrScore, Score, score_okr, score_okrs

__all__ = [
    "CHECKIN_ACTION",
    "CHECKIN_VIEW",
    "NEW_ACTION",
    "NEW_VIEW",
    "STATUSES",
    "Checkin",
    "CheckinSaved",
    "InvalidInput",
    "KeyResultInput",
    "KeyResultView",
    "OkrError",
    "OkrScore",
    "OkrView",
    "Score",
    "Status",
    "add_key_result",
    "add_okr",
    "check_in",
    "created_text",
    "checkin_form",
    "checkin_saved",
    "checkin_prompt",
    "checkin_saved_text",
    "current_scores",
    "digest_lines",
    "elapsed_share",
    "form_quarters",
    "get_okr",
    "home_section",
    "key_result_input",
    "list_okrs",
    "new_okr_form",
    "new_okr_modal",
    "okr_command",
    "okr_group",
    "okr_message",
    "okrs_as_json",
    "owners_of",
    "parse_quarter",
    "progress_of",
    "quarter_of",
    "score_okr",
    "score_okrs",
    "set_message",
    "status_of",
    "submit_checkin",
    "submit_new_okr",
]
