"""The import specs are read off the SQLAlchemy tables: type, optional or required,
references and key come from the model; only the extra rules are declared."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
)

from bot.data.importer.specs import SPECS, Rules, spec_of

metadata = MetaData()
Table("parents", metadata, Column("key", String(64), primary_key=True))
THINGS = Table(
    "things",
    metadata,
    Column("day", Date, primary_key=True),
    Column("parent", ForeignKey("parents.key"), primary_key=True),
    Column("slot", String(64), primary_key=True, default=""),
    Column("kind", String(16), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("price", Numeric(18, 2), nullable=False),
    Column("ratio", Float),
    Column("count", Integer, nullable=False, default=0),
    Column("note", String(200)),
)
RULES = Rules(
    date_field="day",
    choices={"kind": ("big", "small")},
    non_negative=("price",),
    refs={"slot": "parents.key"},
)


def test_columns_types_and_optional_cells_come_from_the_table() -> None:
    spec = spec_of(THINGS, RULES)
    fields = {f.name: f for f in spec.fields}
    assert [f.name for f in spec.fields] == [c.name for c in THINGS.columns]
    assert spec.key == ("day", "parent", "slot")
    kinds = {name: f.kind for name, f in fields.items()}
    assert kinds == {
        "day": "date",
        "parent": "text",
        "slot": "text",
        "kind": "enum",
        "at": "timestamp",
        "price": "money",
        "ratio": "float",
        "count": "int",
        "note": "text",
    }
    # Not nullable and no default: required. Nullable, or a default: optional.
    required = {name for name, f in fields.items() if f.required}
    assert required == {"day", "parent", "kind", "at", "price"}
    assert all(f.nullable != f.required for f in spec.fields)
    assert (fields["slot"].default, fields["count"].default, fields["note"].default) == (
        "",
        0,
        None,
    )
    assert (fields["parent"].max_length, fields["note"].max_length, fields["at"].max_length) == (
        64,
        200,
        None,
    )


def test_references_come_from_foreign_keys_and_the_declared_rules() -> None:
    fields = {f.name: f for f in spec_of(THINGS, RULES).fields}
    assert fields["parent"].ref == "parents.key"  # the foreign key
    assert fields["slot"].ref == "parents.key"  # declared: the schema has no foreign key
    assert fields["note"].ref is None
    assert fields["kind"].choices == ("big", "small")
    assert [name for name, f in fields.items() if f.non_negative] == ["price"]


def test_a_rule_naming_a_missing_column_is_refused() -> None:
    with pytest.raises(ValueError, match="things has no column"):
        spec_of(THINGS, Rules(non_negative=("prize",)))
    with pytest.raises(ValueError, match="ordered_at"):
        spec_of(THINGS, Rules(date_field="ordered_at"))


def test_fact_specs_follow_the_models() -> None:
    assert list(SPECS) == [
        "channels",
        "campaigns",
        "spend",
        "users",
        "leads",
        "orders",
        "activity",
        "touchpoints",
    ]
    touchpoints = {f.name: f for f in SPECS["touchpoints"].fields}
    assert SPECS["touchpoints"].key == ("date", "channel", "touchpoint")
    assert touchpoints["channel"].ref == "channels.key" and touchpoints["touchpoint"].is_key
    assert touchpoints["count"].kind == "int" and touchpoints["count"].non_negative
    assert "leads" in touchpoints["touchpoint"].reserved
    assert not SPECS["touchpoints"].rules.feeds_rollups
    leads = {f.name: f for f in SPECS["leads"].fields}
    assert leads["first_contact_at"].kind == "timestamp" and not leads["first_contact_at"].required
    spend = {f.name: f for f in SPECS["spend"].fields}
    assert SPECS["spend"].key == ("date", "channel", "campaign_id")
    assert (spend["campaign_id"].required, spend["campaign_id"].default) == (False, "")
    assert spend["channel"].ref == "channels.key" and spend["campaign_id"].ref == "campaigns.id"
    orders = {f.name: f for f in SPECS["orders"].fields}
    assert [name for name, f in orders.items() if f.required] == [
        "id",
        "user_id",
        "ordered_at",
        "amount",
    ]
    assert orders["amount"].kind == "money" and orders["amount"].non_negative
    users = {f.name: f for f in SPECS["users"].fields}
    assert not users["campaign_id"].required and users["campaign_id"].ref == "campaigns.id"
