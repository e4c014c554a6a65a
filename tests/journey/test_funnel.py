"""The journey: the shipped map, the map file's checks, volumes and conversions on a small
data set worked out by hand (both databases), and the biggest-drop rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.context import Context
from bot.journey import (
    DEFAULT_FILE,
    JourneyFileError,
    biggest_drop,
    build_steps,
    journey_as_json,
    journey_command,
    journey_funnel,
    load_map,
    parse_map,
)
from bot.metrics import QueryError

BUILT_IN = {"impressions", "clicks", "leads", "sign_ups", "activated", "first_orders",
            "repeat_customers"}  # fmt: skip


def test_the_shipped_map_has_the_practice_s_28_touchpoints() -> None:
    journey = load_map(None)
    points = journey.points
    assert len(points) == 28
    assert [p.owner for p in points] == ["marketing"] * 15 + ["operations"] * 13
    assert journey.handoff is not None and journey.handoff.key == "sign_ups"
    assert {p.key for p in points if p.built_in} == BUILT_IN
    assert all(p.source == p.key for p in points if p.built_in)
    assert all(p.en and p.zh for p in points)
    assert load_map(None) is journey  # read once while the file is unchanged
    assert load_map(str(DEFAULT_FILE)).points == points


def _map(entries: object) -> object:
    return parse_map({"touchpoints": entries}, Path("j.yaml"))


def _point(**changes: object) -> dict:
    return {"key": "video_views", "en": "Video views", "zh": "视频播放", "owner": "marketing",
            "source": "touchpoints", **changes}  # fmt: skip


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ([], "expected a list under touchpoints"),
        ("nope", "expected a list under touchpoints"),
        ([_point(owner="sales")], "owner must be marketing or operations"),
        ([_point(source="ga4")], "source must be one of"),
        ([_point(key="Video Views")], "key must be lowercase letters"),
        ([_point(zh="")], "zh needs a label"),
        ([_point(), _point()], "the key video_views is used twice"),
        ([_point(key="leads")], "leads is a built-in count; give it source: leads"),
        (["video_views"], "touchpoint 1 is not a mapping"),
    ],
)
def test_a_wrong_map_file_says_what_to_change(entries: object, problem: str) -> None:
    with pytest.raises(JourneyFileError, match=problem):
        _map(entries)


def test_a_map_file_that_is_missing_or_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(JourneyFileError, match="no such file"):
        load_map(tmp_path / "nowhere.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("touchpoints: [unclosed", encoding="utf-8")
    with pytest.raises(JourneyFileError, match="not valid YAML"):
        load_map(broken)


def test_conversions_and_the_biggest_drop_rule() -> None:
    journey = _map(
        [
            _point(key="a", source="touchpoints"),
            _point(key="b"),
            _point(key="c"),
            _point(key="d", owner="operations"),
            _point(key="e", owner="operations"),
        ]
    )
    # b is not measured now: c converts from a; e fell from 0.5 to 0.25 (-50%), d from
    # 0.5 to 0.4 (-20%), c rose.
    now = {"a": 1000, "b": None, "c": 100, "d": 40, "e": 10}
    before = {"a": 1000, "b": 300, "c": 50, "d": 25, "e": 10}
    steps = build_steps(journey, now, before)  # type: ignore[arg-type]
    assert [s.source.key if s.source else None for s in steps] == [None, "a", "a", "c", "d"]
    assert steps[1].conversion is None and steps[1].previous_conversion == pytest.approx(0.3)
    assert steps[2].conversion == pytest.approx(0.1)
    assert steps[2].previous_conversion == pytest.approx(0.05)
    assert steps[3].conversion_change == pytest.approx(-0.2)
    assert steps[4].conversion == pytest.approx(0.25)
    assert steps[4].previous_conversion == pytest.approx(0.4)
    assert biggest_drop(steps).point.key == "e"  # type: ignore[union-attr]
    # Nothing fell: no biggest drop. Equal falls: the earlier one.
    assert biggest_drop(build_steps(journey, before, before)) is None  # type: ignore[arg-type]
    even = {"a": 1000, "b": 300, "c": 25, "d": 20, "e": 10}
    assert biggest_drop(build_steps(journey, even, before)).point.key == "c"  # type: ignore[arg-type,union-attr]
    # A conversion from nothing (0 or unmeasured before) is no drop.
    zero = {"a": 0, "b": 0, "c": 0, "d": 0, "e": 0}
    assert biggest_drop(build_steps(journey, now, zero)) is None  # type: ignore[arg-type]


def _ctx(hand) -> Context:  # type: ignore[no-untyped-def]
    settings, db, clock = hand
    return Context(env=settings, db=db, clock=clock, actor="U1", surface="console")


EXPECTED = {
    # key: (value, previous value, conversion, previous conversion)
    "impressions": (1500, 800, None, None),
    "clicks": (150, 80, 0.1, 0.1),
    "landing_page_views": (135, 40, 0.9, 0.5),
    "leads": (3, 1, 3 / 135, 1 / 40),
    "sign_ups": (3, 2, 1.0, 2.0),
    "activated": (2, 2, 2 / 3, 1.0),
    "add_to_carts": (3, None, 1.5, None),
    "first_orders": (3, 1, 1.0, None),
    "repeat_customers": (1, 1, 1 / 3, 1.0),
    "win_backs": (None, None, None, None),
}


def test_volumes_and_conversions_worked_by_hand(hand) -> None:  # type: ignore[no-untyped-def]
    funnel = journey_funnel(_ctx(hand))
    assert (str(funnel.period.start), str(funnel.period.end)) == ("2026-03-09", "2026-03-15")
    assert str(funnel.previous.start) == "2026-03-02"  # type: ignore[union-attr]
    for key, (value, previous, conversion, previous_conversion) in EXPECTED.items():
        step = funnel.step(key)
        assert (step.value, step.previous_value) == (value, previous), key
        assert step.conversion == pytest.approx(conversion), key
        assert step.previous_conversion == pytest.approx(previous_conversion), key
    assert funnel.handoff == "sign_ups"
    assert funnel.biggest_drop == "repeat_customers"


def test_one_channel_and_another_period(hand) -> None:  # type: ignore[no-untyped-def]
    funnel = journey_funnel(_ctx(hand), "channel=douyin from=2026-03-09 to=2026-03-15 vs=none")
    assert funnel.channels == ("douyin",) and funnel.previous is None
    values = {step.point.key: step.value for step in funnel.steps}
    assert values == {
        "impressions": 500,
        "clicks": 50,
        "landing_page_views": 45,
        "leads": 1,
        "sign_ups": 1,
        "activated": 0,
        "add_to_carts": None,
        "first_orders": 0,
        "repeat_customers": 0,
        "win_backs": None,
    }
    assert funnel.biggest_drop is None
    with pytest.raises(QueryError, match="channel= and a period"):
        journey_funnel(_ctx(hand), "by=channel")
    with pytest.raises(QueryError, match="tiktk"):
        journey_funnel(_ctx(hand), "channel=tiktk")


def test_the_answer_and_its_json(hand) -> None:  # type: ignore[no-untyped-def]
    ctx = _ctx(hand)
    text = journey_command("", ctx).as_text()
    assert "Hand-off to operations" in text
    assert "Win-backs · not measured — import touchpoints · operations" in text
    assert (
        "Biggest drop: Repeat → Repeat" not in text
        and "Biggest drop: First orders → Repeat, −67% vs the 7 days before, owner: operations"
        in text
    )
    data = journey_as_json("", ctx)
    assert [row["key"] for row in data["journey"]] == list(EXPECTED)
    row = data["journey"][3]
    assert row == {
        "key": "leads",
        "label": "Leads",
        "owner": "marketing",
        "value": 3.0,
        "previous_value": 1.0,
        "conversion": pytest.approx(3 / 135),
        "previous_conversion": pytest.approx(1 / 40),
    }
    assert (data["handoff"], data["biggest_drop"]) == ("sign_ups", "repeat_customers")
    bad = journey_command("channel=tiktk", ctx)
    assert bad.failed and "tiktk" in bad.as_text()


def test_a_broken_journey_file_is_an_answer_not_a_crash(hand, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, db, clock = hand
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"touchpoints": [{"key": "x"}]}), encoding="utf-8")
    ctx = Context(env=settings.model_copy(update={"journey_file": str(path)}), db=db, clock=clock)
    reply = journey_command("", ctx)
    assert reply.failed and "owner must be marketing or operations" in reply.as_text()
