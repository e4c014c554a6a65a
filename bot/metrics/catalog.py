"""The channels and campaigns a question may name, loaded from the analytics store and
cached for a few seconds (a refresh forgets them, since an import may have changed them)."""

from __future__ import annotations

import re
import threading
import time
import weakref
from dataclasses import dataclass

from sqlalchemy import Engine, inspect, select

from bot.models import Campaign, Channel

_ALIAS_SPLIT = re.compile(r"[/,|()（）、，;]+")
_CATALOG_TTL = 30.0


@dataclass(frozen=True)
class ChannelInfo:
    key: str
    name: str
    kind: str


@dataclass(frozen=True)
class CampaignInfo:
    id: str
    channel: str
    name: str


@dataclass(frozen=True)
class Catalog:
    """The channels and campaigns a query may name."""

    channels: tuple[ChannelInfo, ...] = ()
    campaigns: tuple[CampaignInfo, ...] = ()

    def channel_aliases(self) -> dict[str, str]:
        """Every word that names a channel (key, name, parts of the name), lower-cased."""
        out: dict[str, str] = {}
        for channel in self.channels:
            words = [channel.name, *_ALIAS_SPLIT.split(channel.name)]
            for word in words:
                word = word.strip().lower()
                if word:
                    out.setdefault(word, channel.key)
        for channel in self.channels:  # keys win over another channel's name
            out[channel.key.lower()] = channel.key
        return out

    def campaign_aliases(self) -> dict[str, str]:
        """Every word that names a campaign (id or name), lower-cased."""
        out = {c.name.strip().lower(): c.id for c in self.campaigns if c.name.strip()}
        out.update({c.id.lower(): c.id for c in self.campaigns})
        return out


_catalogs: weakref.WeakKeyDictionary[Engine, tuple[float, Catalog]] = weakref.WeakKeyDictionary()
_catalog_lock = threading.Lock()


def load_catalog(engine: Engine, max_age: float = _CATALOG_TTL) -> Catalog:
    """The channels and campaigns in the analytics store (cached for a few seconds)."""
    now = time.monotonic()
    with _catalog_lock:
        cached = _catalogs.get(engine)
        if cached and now - cached[0] < max_age:
            return cached[1]
    with engine.connect() as connection:
        found = inspect(connection)
        # Views count: a team's warehouse, or Parquet files read through views.
        names = {*found.get_table_names(), *found.get_view_names()}
        channels = campaigns = []
        if "channels" in names:
            channels = connection.execute(
                select(Channel.key, Channel.name, Channel.kind).order_by(Channel.key)
            ).all()
        if "campaigns" in names:
            campaigns = connection.execute(
                select(Campaign.id, Campaign.channel, Campaign.name).order_by(Campaign.id)
            ).all()
    catalog = Catalog(
        tuple(ChannelInfo(r.key, r.name or r.key, r.kind) for r in channels),
        tuple(CampaignInfo(r.id, r.channel, r.name or r.id) for r in campaigns),
    )
    with _catalog_lock:
        _catalogs[engine] = (now, catalog)
    return catalog


def forget_catalog(engine: Engine | None = None) -> None:
    """Drop the cached channel lists (after an import changed them)."""
    with _catalog_lock:
        if engine is None:
            _catalogs.clear()
        else:
            _catalogs.pop(engine, None)
