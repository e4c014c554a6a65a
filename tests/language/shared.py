"""The catalog and the day the language tests ask on: the demo's six channels (a Chinese
display name for the Chinese platforms) and three campaigns."""

from __future__ import annotations

from datetime import date

from bot.metrics.catalog import CampaignInfo, Catalog, ChannelInfo

# A Wednesday: yesterday is 2026-11-24, last week 2026-11-16 .. 2026-11-22.
TODAY = date(2026, 11, 25)
CHANNELS = (
    ChannelInfo("tiktok", "TikTok", "paid"),
    ChannelInfo("douyin", "抖音", "paid"),
    ChannelInfo("xiaohongshu", "小红书", "paid"),
    ChannelInfo("wechat", "微信", "paid"),
    ChannelInfo("baidu", "百度", "paid"),
    ChannelInfo("organic", "自然流量", "organic"),
)
CAMPAIGNS = (
    CampaignInfo("dy-11", "douyin", "Double 11"),
    CampaignInfo("tt-q4", "tiktok", "TikTok Q4 always-on"),
    CampaignInfo("xhs-spring", "xiaohongshu", "春季种草"),
)
CATALOG = Catalog(channels=CHANNELS, campaigns=CAMPAIGNS)
