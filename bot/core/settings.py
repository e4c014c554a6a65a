"""The one settings object: read from the environment and `.env`, validated at start-up."""

from __future__ import annotations

import re
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///warroom.db"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class SettingsError(Exception):
    """A setting has a bad value; the message names the setting and what to change."""


def _check_url(name: str, value: str) -> str:
    try:
        make_url(value)
    except ArgumentError:
        raise ValueError(
            f"{name} is not a database URL (expected e.g. sqlite:///warroom.db or "
            "postgresql+psycopg://user@host/db)"
        ) from None
    return value


def parse_hhmm(value: str) -> time:
    """Parse "09:30" into a time; raises ValueError for anything else."""
    match = _HHMM.match(value.strip())
    if not match:
        raise ValueError(f'"{value}" is not a time of day; use HH:MM between 00:00 and 23:59')
    return time(int(match.group(1)), int(match.group(2)))


class Settings(BaseSettings):
    """Every setting of the bot; the names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Slack
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    # Storage
    database_url: str = DEFAULT_DATABASE_URL
    analytics_database_url: str | None = None

    # Serving and locale
    port: int = Field(3000, ge=1, le=65535)
    timezone: str = "UTC"
    currency: str = "CNY"
    # The language answers are in unless a question is asked in another one (en or zh).
    language: Literal["en", "zh"] = "en"

    # War room
    digest_channel: str = "#war-room"
    digest_time: str = "09:30"
    digest_weekdays_only: bool = True
    digest_grace_hours: float = Field(3.0, ge=0, le=24)
    standup_time: str = "09:00"
    standup_mode: Literal["channel", "dm"] = "channel"

    # Fund
    fund_channel: str = "#innovation-fund"
    fund_pool_pct: float = Field(15.0, ge=0, le=100)
    fund_approval: Literal["two-key", "single"] = "two-key"

    # Metric definitions
    ltv_horizon_days: int = Field(180, ge=1, le=3650)
    gross_margin: float = Field(1.0, gt=0, le=1)
    roi_window_days: int = Field(30, ge=1, le=3650)
    lead_window_days: int = Field(30, ge=1, le=3650)

    # Playbook alert thresholds
    alert_ltv_cac_min: float = Field(3.0, ge=0)
    alert_retention_drop_days: int = Field(3, ge=2, le=30)
    alert_roi_weeks: int = Field(2, ge=1, le=12)
    alert_surge_factor: float = Field(3.0, gt=1)

    # OKRs and the user journey
    # The journey map (YAML); unset: the practice's 28 touchpoints shipped with the bot.
    journey_file: str | None = None
    # The digest names the journey step whose conversion fell most when it fell by more than
    # this share (0.5: by more than half) against the 7 days before.
    journey_drop_min: float = Field(0.5, gt=0, lt=1)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return _check_url("DATABASE_URL", value)

    @field_validator("analytics_database_url")
    @classmethod
    def _analytics_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        return _check_url("ANALYTICS_DATABASE_URL", value)

    @field_validator("journey_file")
    @classmethod
    def _journey_file(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not Path(value).expanduser().is_file():
            raise ValueError(
                f'no file "{value}"; point it at a journey map (YAML) or leave it empty'
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown time zone "{value}"; use an IANA name such as UTC or Asia/Shanghai'
            ) from None
        return value

    @field_validator("digest_time", "standup_time")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        parsed = parse_hhmm(value)
        return parsed.strftime("%H:%M")

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f'"{value}" is not a currency code; use three letters such as CNY')
        return code

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object) -> str:
        text = str(value or "").strip().lower().replace("_", "-")
        if text in ("zh", "zh-cn", "zh-hans", "cn", "chinese", "中文"):
            return "zh"
        if text in ("en", "en-us", "en-gb", "english"):
            return "en"
        raise ValueError(f'"{value}" is not a language the bot speaks; use en or zh')

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f'"{value}" is not an http(s) URL')
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _oauth_pair(self) -> Settings:
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together")
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        """The workspace time zone as a ZoneInfo."""
        return ZoneInfo(self.timezone)

    @property
    def analytics_url(self) -> str:
        """Where the growth facts live: ANALYTICS_DATABASE_URL, else DATABASE_URL."""
        return self.analytics_database_url or self.database_url

    @property
    def slack_mode(self) -> Literal["socket", "oauth", "single", "console"]:
        """How `warroom run` connects: Socket Mode, OAuth HTTP, single-workspace HTTP, or none."""
        if self.slack_app_token and self.slack_bot_token:
            return "socket"
        if self.slack_client_id and self.slack_client_secret:
            return "oauth"
        if self.slack_bot_token:
            return "single"
        return "console"


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = first.get("loc") or ()
    name = str(location[0]).upper() if location else "settings"
    message = first.get("msg", "invalid value")
    message = message.removeprefix("Value error, ")
    return f"Bad setting {name}: {message}" if location else f"Bad settings: {message}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad value raises SettingsError with one line naming the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None
