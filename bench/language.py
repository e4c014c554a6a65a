"""Language benchmark: how long understanding a plain question takes (bot.language.understand),
over a few hundred questions in English, Chinese and both, with typos and unclear ones, on the
demo's channels and campaigns.

Target: under 5 ms at p95, nothing loaded per question (the lexicon is built once, on the
first question, and that build is timed on its own).

Environment:
  BENCH_LANGUAGE_ROUNDS   times each question is asked (default 20)
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date

from bench.report import write_section
from bot.language import understand
from bot.language.lexicon import catalog_lexicon, static_lexicon
from bot.metrics.catalog import CampaignInfo, Catalog, ChannelInfo

ROUNDS = int(os.environ.get("BENCH_LANGUAGE_ROUNDS", "20"))
TODAY = date(2026, 11, 25)
TARGET_P95_MS = 5.0
CHANNELS = (
    ("tiktok", "TikTok", "paid"),
    ("douyin", "抖音", "paid"),
    ("xiaohongshu", "小红书", "paid"),
    ("wechat", "微信", "paid"),
    ("baidu", "百度", "paid"),
    ("organic", "自然流量", "organic"),
)
METRIC_WORDS = {
    "en": ["cac", "ltv", "roi", "d7 retention", "revenue", "spend", "repeat rate", "new customers"],
    "zh": ["获客成本", "生命周期价值", "投产比", "次日留存", "营收", "花费", "复购率", "新客数"],
}
PERIOD_WORDS = {
    "en": ["last week", "this month", "in october", "q3", "last 7 days", "since sep 1", ""],
    "zh": ["上周", "本月", "10月", "三季度", "近7天", "9月1日以来", "今年"],
}
EXTRAS = {
    "en": ["", "by channel", "vs last year", "weekly", "for paid channels"],
    "zh": ["", "各渠道", "同比", "按周", "付费渠道"],
}
ODD = [
    "retnetion d7 for douyn yesterdya",
    "ＣＡＣ，上周？",
    "cac and roi last week",
    "douyin last week",
    "cac on kuaishou",
    "hello there",
    "what is our cac on douyin this week?",
    "抖音和小红书的获客成本分别是多少",
    "/cac douyin last week",
    "x" * 400,
]


def catalog() -> Catalog:
    """The demo's six channels, a quarterly campaign and a Double 11 one per paid channel."""
    campaigns = []
    for key, name, kind in CHANNELS:
        if kind != "paid":
            continue
        for quarter in range(1, 5):
            campaigns.append(
                CampaignInfo(f"{key}-2026q{quarter}", key, f"{name} 2026 Q{quarter} always-on")
            )
        campaigns.append(CampaignInfo(f"{key}-2026-double11", key, f"{name} Double 11 2026"))
    return Catalog(
        channels=tuple(ChannelInfo(key, name, kind) for key, name, kind in CHANNELS),
        campaigns=tuple(campaigns),
    )


def questions() -> list[str]:
    """A few hundred questions: every metric word with channels, periods and extras, in
    English, Chinese and the two mixed, and the odd ones."""
    out = []
    for index, (key, name, _) in enumerate(CHANNELS):
        for language in ("en", "zh"):
            channel = key if language == "en" else name
            for m, metric in enumerate(METRIC_WORDS[language]):
                period = PERIOD_WORDS[language][(index + m) % len(PERIOD_WORDS[language])]
                extra = EXTRAS[language][(index * 3 + m) % len(EXTRAS[language])]
                glue = " " if language == "en" else ""
                out.append(glue.join(p for p in (channel, period, metric, extra) if p))
                other = "zh" if language == "en" else "en"
                out.append(f"{channel} {PERIOD_WORDS[other][m % 7]} {metric}")
    return out + ODD


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main() -> None:
    """Time the lexicon build and every question, and write the section."""
    known = catalog()
    started = time.perf_counter()
    static_lexicon()
    static_build = time.perf_counter() - started
    started = time.perf_counter()
    catalog_lexicon(known)
    catalog_build = time.perf_counter() - started
    asked = questions()
    for question in asked:  # warm: every code path once
        understand(question, known, TODAY)
    timings = []
    for _ in range(ROUNDS):
        for question in asked:
            started = time.perf_counter()
            understand(question, known, TODAY)
            timings.append(time.perf_counter() - started)
    timings.sort()
    cut = statistics.quantiles(timings, n=100)
    p50, p95, p99 = cut[49], cut[94], cut[98]
    verdict = "meets" if p95 * 1000 < TARGET_P95_MS else "MISSES"
    body = f"""## Understanding plain questions

`bot.language.understand`: {len(asked)} questions (English, Chinese, both mixed, typos,
full-width punctuation, unclear ones), each asked {ROUNDS} times on the demo's six channels and
{len(known.campaigns)} campaigns; no model, no network, nothing loaded per question.

| | time |
|---|---|
| p50 | {_ms(p50)} |
| p95 | {_ms(p95)} |
| p99 | {_ms(p99)} |
| max | {_ms(timings[-1])} |
| lexicon build, once (static words and the registry) | {_ms(static_build)} |
| lexicon build, once per catalog (channels and campaigns) | {_ms(catalog_build)} |

p95 {verdict} the 5 ms target. Run with `python -m bench language`
(`BENCH_LANGUAGE_ROUNDS`, default 20).
"""
    write_section("language", body)
    print(body)


if __name__ == "__main__":
    main()
