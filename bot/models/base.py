"""The declarative base, the naming convention and the column types every table shares."""

from __future__ import annotations

from sqlalchemy import MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)
KEY = String(64)
# Money is exact in the database (NUMERIC on PostgreSQL) and a float in Python.
MONEY = Numeric(18, 2, asdecimal=False)

TEAMS = ("marketing", "operations")


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: `column` is one of `values`."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """The base of every table; one metadata, so one Alembic history owns the whole schema."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
