"""OKRs as Block Kit, text and JSON: the list with progress bars and status, the objective's
message, the weekly check-in prompt, the forms, the digest lines and the App Home section.
Render functions take plain data (scores, snapshots) and a language; none opens a session."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core import blocks as kit
from bot.core.blocks import mention
from bot.core.i18n import N_, Language, words
from bot.core.render import blocks_as_text
from bot.metrics import METRICS, Metric, format_metric_value
from bot.okrs.objectives import OkrView
from bot.okrs.progress import Status
from bot.okrs.scoring import OkrScore, Score

NEW_VIEW = "okr_new"
CHECKIN_VIEW = "okr_checkin"
CHECKIN_ACTION = "okr_checkin_open"
NEW_ACTION = "okr_new_open"
# The key-result rows of the new-objective form, and each row's block ids.
FORM_KEY_RESULTS = 3
MANUAL = "manual"
BAR_CELLS = 10
STATUS_WORDS: dict[Status, str] = {
    "on_track": N_("on track"),
    "at_risk": N_("at risk"),
    "off_track": N_("off track"),
    "no_data": N_("no data"),
}
STATUS_ICONS: dict[Status, str] = {
    "on_track": ":large_green_circle:",
    "at_risk": ":warning:",
    "off_track": ":red_circle:",
    "no_data": ":white_circle:",
}
TEAM_WORDS = {"marketing": N_("marketing"), "operations": N_("operations"), "joint": N_("joint")}
HELP = N_(
    """\
*OKRs*
`/okr` this quarter's objectives: each key result's progress and status
`/okr 2027-Q1` another quarter · `/okr all` every quarter
`/okr new` open the form: objective, owner team, quarter, key results (metric, target, baseline)
Key results on metrics are live: their question over the quarter to date, against the target \
from the baseline (the 30 days before the quarter unless given). On track while progress is \
at least the share of the quarter gone by less 10 points, at risk down to 30 points behind.
Every Monday each objective's owners are asked to check in, in its thread."""
)


def kr_field(row: int, part: str) -> str:
    """The block id of part `part` (metric, words, target, baseline) of key-result row `row`."""
    return f"kr{row}_{part}"


def team_word(team: str, language: Language = "en") -> str:
    """ "marketing", "operations", "joint" in `language`."""
    return words(language)._(TEAM_WORDS.get(team, team))


def status_text(status: Status, language: Language = "en") -> str:
    """ ":red_circle: off track"."""
    return f"{STATUS_ICONS[status]} {words(language)._(STATUS_WORDS[status])}"


def bar(progress: float | None) -> str:
    """ "▓▓▓░░░░░░░ 30%"; "░░░░░░░░░░ —" without progress."""
    if progress is None:
        return "░" * BAR_CELLS + " —"
    filled = round(progress * BAR_CELLS)
    return "▓" * filled + "░" * (BAR_CELLS - filled) + f" {progress * 100:.0f}%"


def _value(value: float | None, metric: Metric | None, currency: str, language: Language) -> str:
    if value is None:
        return "—"
    if metric is None:
        return f"{value:,.4g}"
    return format_metric_value(value, metric, currency, language=language)


def _target(score: Score, currency: str, language: Language) -> str:
    kr = score.key_result
    lower = score.baseline is not None and kr.target < score.baseline
    sign = "≤" if lower or (score.metric is not None and score.metric.good == "down") else "≥"
    return f"{sign} {_value(kr.target, score.metric, currency, language)}"


def key_result_line(score: Score, currency: str, language: Language = "en") -> str:
    """ "KR #7 `/metric ltv_cac kind=paid` ≥ 3.0x · now 2.4x from 2.1x ▓▓▓░░░░░░░ 33% · at
    risk"."""
    t = words(language)
    kr = score.key_result
    name = f"`{kr.query}`" if kr.kind == "metric" else kr.name
    now = _value(score.current, score.metric, currency, language)
    start = _value(score.baseline, score.metric, currency, language)
    parts = [
        f"KR #{kr.id} {name} {_target(score, currency, language)}",
        t._("now {now} (projected) from {start}", now=now, start=start)
        if score.projected
        else t._("now {now} from {start}", now=now, start=start),
        bar(score.progress),
        status_text(score.status, language),
    ]
    if kr.latest is not None:
        parts.append(t._("confidence {share:.0%}", share=kr.latest.confidence))
    line = " · ".join(parts)
    if score.note and score.status == "no_data":
        line += f" _({t.say(score.note)})_"
    return line


def okr_title(okr: OkrView, language: Language = "en") -> str:
    """ "#3 Make every paid channel pay back 3x · joint · 2027-Q1"."""
    return f"*#{okr.id} {okr.objective}* · {team_word(okr.team, language)} · {okr.quarter}"


def okr_lines(scored: OkrScore, currency: str, language: Language = "en") -> list[str]:
    """One objective: its title, status and progress, then a line per key result."""
    t = words(language)
    okr = scored.okr
    head = " · ".join(
        [
            okr_title(okr, language),
            status_text(scored.status, language),
            bar(scored.progress),
            t._("{share:.0%} of the quarter gone", share=scored.elapsed),
        ]
    )
    lines = [head]
    lines += [f"    {key_result_line(s, currency, language)}" for s in scored.scores]
    if not scored.scores:
        lines.append("    " + t._("_No key results yet: `warroom okr kr {id} QUERY --target N`_",
                                   id=okr.id))  # fmt: skip
    return lines


def okrs_message(
    scored: list[OkrScore], title: str, currency: str, language: Language = "en"
) -> dict[str, Any]:
    """The /okr answer: every objective with its key results."""
    t = words(language)
    lines = [f"*{title}*"]
    if not scored:
        lines.append(t._("No OKRs yet. `/okr new` opens the form."))
    for item in scored:
        lines.extend(okr_lines(item, currency, language))
    blocks: list[Block] = list(kit.lines_to_sections(lines))
    blocks.append(ActionsBlock(elements=[_new_button(language)]))
    return kit.message(blocks, title)


def _new_button(language: Language) -> ButtonElement:
    return ButtonElement(
        text=words(language)._("New OKR"), action_id=NEW_ACTION, value="new", style="primary"
    )


def okrs_text(scored: list[OkrScore], currency: str) -> str:
    """The objectives as plain text, for the command line."""
    if not scored:
        return 'No OKRs yet: warroom okr add "OBJECTIVE" --quarter 2027-Q1 --team joint'
    lines: list[str] = []
    for item in scored:
        lines.extend(okr_lines(item, currency))
    return blocks_as_text(kit.message(kit.lines_to_sections(lines), ""))


def okrs_json(scored: list[OkrScore]) -> list[dict[str, Any]]:
    """The objectives as JSON (`warroom okr list --json`)."""
    return [
        {
            "id": item.okr.id,
            "objective": item.okr.objective,
            "team": item.okr.team,
            "quarter": item.okr.quarter,
            "period": {
                "from": item.okr.period_start.isoformat(),
                "to": item.okr.period_end.isoformat(),
            },
            "elapsed": item.elapsed,
            "progress": item.progress,
            "status": item.status,
            "key_results": [_kr_json(score) for score in item.scores],
        }
        for item in scored
    ]


def _kr_json(score: Score) -> dict[str, Any]:
    kr = score.key_result
    latest = kr.latest
    return {
        "id": kr.id,
        "kind": kr.kind,
        "query": kr.query,
        "title": kr.title,
        "target": kr.target,
        "baseline": score.baseline,
        "current": score.current,
        "progress": score.progress,
        "status": score.status,
        "asked": score.asked,
        "projected": score.projected,
        "note": None if score.note is None else str(score.note),
        "confidence": latest.confidence if latest else None,
    }


# ------------------------------------------------------------------------------ Slack posts


def okr_message(scored: OkrScore, currency: str, language: Language = "en") -> dict[str, Any]:
    """The objective's own message in the war-room channel; check-ins thread under it."""
    lines = okr_lines(scored, currency, language)
    return kit.message(kit.lines_to_sections(lines), lines[0].replace("*", ""))


def checkin_prompt(
    scored: OkrScore, owners: list[str], week: date, currency: str, language: Language = "en"
) -> dict[str, Any]:
    """The weekly check-in prompt, threaded under the objective: who is asked, where each key
    result stands, and the button that opens the check-in form."""
    t = words(language)
    who = " ".join(mention(user) for user in owners) or t._("Owners")
    lines = [
        t._(
            "{who}: weekly check-in for the week of {week}. How confident are you in each key "
            "result, and what changed?",
            who=who,
            week=week.isoformat(),
        )
    ]
    lines += [f"• {key_result_line(score, currency, language)}" for score in scored.scores]
    button = ButtonElement(
        text=t._("Check in"),
        action_id=CHECKIN_ACTION,
        value=str(scored.okr.id),
        style="primary",
    )
    blocks = [*kit.lines_to_sections(lines), ActionsBlock(elements=[button])]
    return kit.message(
        blocks, t._("Weekly OKR check-in: {objective}", objective=scored.okr.objective)
    )


def checkin_saved_text(
    key_result_id: int, name: str, confidence: float, language: Language = "en"
) -> str:
    """What the person who checked in is told."""
    return words(language)._(
        ":white_check_mark: Checked in on KR #{id} {name}: confidence {share:.0%}.",
        id=key_result_id,
        name=name,
        share=confidence,
    )


def created_text(okr: OkrView, language: Language = "en") -> str:
    """What the person who created an objective is told."""
    return words(language)._(
        ":white_check_mark: OKR #{id} created: {objective} ({quarter}, {team}) with {n} key "
        "result(s). `/okr` shows where it stands.",
        id=okr.id,
        objective=okr.objective,
        quarter=okr.quarter,
        team=team_word(okr.team, language),
        n=len(okr.key_results),
    )


# ------------------------------------------------------------------------------ forms


def _input(block_id: str, label: str, element: Any, optional: bool = False, hint: str = "") -> Any:
    return InputBlock(
        block_id=block_id,
        label=label,
        element=element,
        optional=optional,
        hint=hint or None,
    )


def _text(action_id: str, placeholder: str = "", multiline: bool = False) -> Any:
    return PlainTextInputElement(
        action_id=action_id, placeholder=placeholder or None, multiline=multiline
    )


def metric_options(language: Language = "en") -> list[Option]:
    """The metric picker's choices: every metric, then a number the team reports."""
    t = words(language)
    options = [
        Option(value=metric.name, label=kit.clip(f"{t._(metric.label)} ({metric.name})", 75))
        for metric in METRICS
    ]
    options.append(Option(value=MANUAL, label=t._("A number we report (manual)")))
    return options[:100]


def new_okr_modal(quarters: list[str], language: Language = "en") -> dict[str, Any]:
    """The new-objective form: objective, owner team, quarter, and up to three key results
    (a metric with its filters, or a manual number; target; optional baseline)."""
    t = words(language)
    teams = [Option(value=team, label=team_word(team, language)) for team in TEAM_WORDS]
    quarter_options = [Option(value=q, label=q) for q in quarters]
    blocks: list[Block] = [
        _input("objective", t._("Objective"), _text("objective", t._("What we will achieve"))),
        _input(
            "team",
            t._("Owner team"),
            StaticSelectElement(action_id="team", options=teams, initial_option=teams[2]),
        ),
        _input(
            "quarter",
            t._("Quarter"),
            StaticSelectElement(
                action_id="quarter", options=quarter_options, initial_option=quarter_options[0]
            ),
        ),
    ]
    for row in range(1, FORM_KEY_RESULTS + 1):
        optional = row > 1
        blocks += [
            kit.section(t._("*Key result {n}*", n=row) + ("" if row == 1 else t._(" (optional)"))),
            _input(
                kr_field(row, "metric"),
                t._("Metric"),
                StaticSelectElement(
                    action_id=kr_field(row, "metric"),
                    options=metric_options(language),
                    placeholder=t._("Pick a metric"),
                ),
                optional=optional,
            ),
            _input(
                kr_field(row, "words"),
                t._("Filters, or the name of a manual number"),
                _text(kr_field(row, "words"), "kind=paid · d=1 · channel=tiktok"),
                optional=True,
            ),
            _input(
                kr_field(row, "target"),
                t._("Target"),
                _text(kr_field(row, "target"), "3 · 45% · 19.6%"),
                optional=optional,
            ),
            _input(
                kr_field(row, "baseline"),
                t._("Baseline"),
                _text(kr_field(row, "baseline"), t._("empty: the 30 days before the quarter")),
                optional=True,
            ),
        ]
    return View(
        type="modal",
        callback_id=NEW_VIEW,
        title=t._("New OKR"),
        submit=t._("Create"),
        close=t._("Cancel"),
        blocks=blocks,
    ).to_dict()


def checkin_modal(okr: OkrView, language: Language = "en") -> dict[str, Any]:
    """The check-in form of one objective: which key result, confidence, note, value."""
    t = words(language)
    options = [
        Option(value=str(kr.id), label=kit.clip(f"KR #{kr.id} {kr.name}", 75))
        for kr in okr.key_results
    ][:100]
    confidence = [Option(value=f"{n / 10:.1f}", label=f"{n * 10}%") for n in range(10, -1, -1)]
    blocks: list[Block] = [kit.section(okr_title(okr, language))]
    if options:
        blocks.append(
            _input(
                "key_result",
                t._("Key result"),
                StaticSelectElement(
                    action_id="key_result", options=options, initial_option=options[0]
                ),
            )
        )
    blocks += [
        _input(
            "confidence",
            t._("Confidence we reach the target"),
            StaticSelectElement(action_id="confidence", options=confidence),
        ),
        _input("note", t._("Note"), _text("note", t._("What changed, what is next"), True)),
        _input(
            "value",
            t._("Value now (manual key results)"),
            _text("value", "12 · 45%"),
            optional=True,
        ),
    ]
    return View(
        type="modal",
        callback_id=CHECKIN_VIEW,
        title=t._("OKR check-in"),
        submit=t._("Check in"),
        close=t._("Cancel"),
        private_metadata=json.dumps({"okr": okr.id}),
        blocks=blocks,
    ).to_dict()


# ------------------------------------------------------------------------------ digest, Home


def digest_lines(scored: list[OkrScore], language: Language = "en") -> list[str]:
    """The digest's OKR line: the objectives at risk or off track (or that none is)."""
    t = words(language)
    behind = [item for item in scored if item.behind]
    if not scored:
        return []
    if not behind:
        return [t._("*OKRs at risk*: none of {n} this quarter.", n=len(scored))]
    named = ", ".join(
        f"#{item.okr.id} {kit.clip(item.okr.objective, 60)} ({t._(STATUS_WORDS[item.status])}, "
        f"{team_word(item.okr.team, language)})"
        for item in behind
    )
    return [t._("*OKRs at risk* ({n}): {named} · `/okr`", n=len(behind), named=named)]


def home_blocks(scored: list[OkrScore], currency: str, language: Language = "en") -> list[Block]:
    """The App Home OKR section: this quarter's objectives and their key results."""
    t = words(language)
    lines = [t._("*OKRs this quarter*")]
    if not scored:
        lines.append(t._("None yet: `/okr new` sets one."))
    for item in scored:
        lines.extend(okr_lines(item, currency, language))
    return [*kit.lines_to_sections(lines), ActionsBlock(elements=[_new_button(language)])]
