"""Which columns each importable table has and how its cells are checked.

Most of it is read off the SQLAlchemy tables: a column's type gives how its cells are
parsed, nullable (or a default) makes it optional, a foreign key names the table its values
must exist in, and the primary key is what may not repeat. `RULES` adds only what the
schema does not say."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Column, Date, DateTime, Float, Integer, Numeric, String, Table

from bot.data.importer.report import ImportFailed
from bot.models import BUILT_IN_TOUCHPOINTS, CHANNEL_KINDS, FACT_TABLES

Kind = Literal["text", "enum", "date", "timestamp", "money", "int", "float"]

TARGETS: dict[str, Table] = {model.__tablename__: model.__table__ for model in FACT_TABLES}


@dataclass(frozen=True)
class Rules:
    """What the schema cannot say about a table's cells."""

    date_field: str | None = None  # the column whose days mark the metric rollups stale
    # A users import changes what every later day of orders and activity means (they are
    # read through the user's sign-up channel and campaign): stale up to today.
    reaches_forward: bool = False
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    non_negative: tuple[str, ...] = ()
    refs: Mapping[str, str] = field(default_factory=dict)  # "table.column" with no foreign key
    ordered: tuple[str, str] | None = None  # (first, last): last may not be before first
    # Text columns holding keys (lowercase letters, digits and _, case folded on import).
    keys: tuple[str, ...] = ()
    # Per column, values that may not be imported there, each with what to do instead.
    reserved: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # False: the table feeds no metric rollup, so an import leaves them as they are.
    feeds_rollups: bool = True


# The journey counts these from the other tables; a touchpoints row naming one is a mistake.
_BUILT_IN = {
    name: f"{name} is counted from the {table} table; leave it out of touchpoints"
    for name, table in zip(
        BUILT_IN_TOUCHPOINTS,
        ("spend", "spend", "leads", "users", "activity", "orders", "orders"),
        strict=True,
    )
}

RULES: dict[str, Rules] = {
    "channels": Rules(choices={"kind": CHANNEL_KINDS}, non_negative=("roi_benchmark",)),
    "campaigns": Rules(non_negative=("budget",), ordered=("start_date", "end_date")),
    "spend": Rules(
        date_field="date",
        non_negative=("amount", "impressions", "clicks"),
        # Part of the primary key, so "no campaign" is "" and the schema has no foreign key.
        refs={"campaign_id": "campaigns.id"},
    ),
    "users": Rules(date_field="signed_up_at", reaches_forward=True),
    "leads": Rules(date_field="created_at", ordered=("created_at", "first_contact_at")),
    "orders": Rules(date_field="ordered_at", non_negative=("amount",)),
    "activity": Rules(date_field="date"),
    "touchpoints": Rules(
        date_field="date",
        non_negative=("count",),
        keys=("touchpoint",),
        reserved={"touchpoint": _BUILT_IN},
        feeds_rollups=False,
    ),
}


@dataclass(frozen=True)
class Field:
    """One column of an importable table and how its cells are read."""

    name: str
    kind: Kind = "text"
    required: bool = True  # the column must be in the file
    nullable: bool = False  # empty cells allowed (become NULL, or `default`)
    default: object = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # "table.column" the value must exist in
    non_negative: bool = False
    is_key: bool = False  # lowercase letters, digits and _ (see Rules.keys)
    reserved: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """An importable table: its fields in table order, its key and its extra rules."""

    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    rules: Rules

    def field(self, name: str) -> Field:
        """The field called `name`."""
        return next(f for f in self.fields if f.name == name)


def _kind(column: Column) -> Kind:
    kind = column.type
    if isinstance(kind, DateTime):
        return "timestamp"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Float):  # before Numeric: a Float is a Numeric
        return "float"
    if isinstance(kind, Integer):
        return "int"
    if isinstance(kind, Numeric):  # the fact tables' exact decimals are all money
        return "money"
    if isinstance(kind, String):
        return "text"
    raise TypeError(f"{column}: no import rule for the type {kind!r}")


def _field(column: Column, rules: Rules) -> Field:
    default = column.default
    fill = default.arg if default is not None and default.is_scalar else None  # type: ignore[attr-defined]
    optional = bool(column.nullable) or fill is not None
    choices = rules.choices.get(column.name, ())
    references = [key.target_fullname for key in column.foreign_keys]
    return Field(
        column.name,
        "enum" if choices else _kind(column),
        required=not optional,
        nullable=optional,
        default=fill,
        max_length=column.type.length if isinstance(column.type, String) else None,
        choices=choices,
        ref=rules.refs.get(column.name) or (references[0] if references else None),
        non_negative=column.name in rules.non_negative,
        is_key=column.name in rules.keys,
        reserved=rules.reserved.get(column.name, {}),
    )


def spec_of(table: Table, rules: Rules) -> Spec:
    """The import spec of `table`: its columns read through `rules`."""
    named = {*rules.choices, *rules.non_negative, *rules.refs, *(rules.ordered or ())}
    named |= {*rules.keys, *rules.reserved}
    if rules.date_field:
        named.add(rules.date_field)
    unknown = sorted(name for name in named if name not in table.c)
    if unknown:  # a misspelt rule would quietly check nothing
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    return Spec(
        table.name,
        tuple(_field(column, rules) for column in table.columns),
        tuple(column.name for column in table.primary_key.columns),
        rules,
    )


SPECS: dict[str, Spec] = {name: spec_of(TARGETS[name], rules) for name, rules in RULES.items()}


def table_spec(table: str) -> Spec:
    """The spec of the table named `table` (any case); raises ImportFailed with a hint."""
    name = table.strip().lower()
    if name in SPECS:
        return SPECS[name]
    close = difflib.get_close_matches(name, list(SPECS), n=1)
    hint = f" - did you mean {close[0]}?" if close else f"; choose from {', '.join(SPECS)}"
    raise ImportFailed(f'unknown table "{table}"{hint}')
