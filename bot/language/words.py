"""The words of the question lexicon, in English and Chinese: what each phrase means.

A phrase is cut into units the way questions are (bot/language/text.py), so "ltv_cac",
"ltv cac" and "LTV CAC" are one entry; "{n}" stands for a number in digits, English words or
Chinese numerals ("近{n}天" reads 近7天, 近七天 and 最近三十天 alike). The metric names and
aliases of the registry, and the channel and campaign names of the catalog, are added to
these where the lexicon is built (lexicon.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bot.language.when import When, since, word

Value = Any


@dataclass(frozen=True, slots=True)
class Sense:
    """What a phrase means: its kind and value (a function of the phrase's numbers when the
    phrase has "{n}" in it). A weak metric word yields to any other metric word."""

    kind: str
    value: Value = None
    weak: bool = False

    def resolved(self, numbers: list[int]) -> Value:
        """The value, given the numbers the phrase matched."""
        return self.value(*numbers) if callable(self.value) else self.value


Entry = tuple[str, Sense]


def _all(phrases: str, sense: Sense) -> list[Entry]:
    """One sense for each of the "|"-separated phrases."""
    return [(phrase.strip(), sense) for phrase in phrases.split("|") if phrase.strip()]


def _fn(kind: str, make: Callable[..., Value]) -> Sense:
    return Sense(kind, make)


# --------------------------------------------------------------------------- metrics

METRIC_PHRASES: dict[str, str] = {
    "spend": (
        "spend|spending|spent|ad spend|ads spend|ad spending|marketing spend|media spend|"
        "ad cost|ad costs|advertising cost|advertising spend|budget spent|money spent|"
        "how much did we spend|how much we spent|expenses|"
        "花费|花销|消耗|花了多少钱|花了多少|花了|花钱|投放金额|投放花费|投放费用|投放消耗|"
        "广告费|广告花费|广告支出|广告消耗|营销费用|营销花费|投入|支出|烧了多少钱"
    ),
    "new_customers": (
        "new customers|new customer|new buyers|new buyer|first time buyers|first time customers|"
        "customers acquired|acquired customers|new paying customers|new paying users|"
        "新客|新客数|新客户|新客户数|新增客户|新增客户数|新用户|新用户数|拉新|拉新数|首购用户|"
        "首单用户|首购客户|新买家|新增付费用户|新增买家"
    ),
    "cac": (
        "cac|customer acquisition cost|acquisition cost|cost per acquisition|cost per customer|"
        "cost per new customer|cost to acquire|cpa|"
        "获客成本|获客费用|获客单价|客户获取成本|拉新成本|单客成本|获客|新客成本|每个新客的成本|"
        "客户获取费用"
    ),
    "revenue": (
        "revenue|revenues|sales|gmv|income|turnover|gross merchandise value|"
        "how much did we sell|how much did we make|how much did we earn|how much money did we make|"
        "营收|收入|销售额|成交额|成交金额|交易额|流水|营业额|销售收入|营业收入|卖了多少|卖了多少钱|"
        "赚了多少|赚了多少钱|总收入|订单金额|订单总额"
    ),
    "ltv": (
        "ltv|lifetime value|life time value|customer lifetime value|customer value|user value|"
        "clv|cltv|ltv per customer|"
        "生命周期价值|用户价值|客户价值|用户生命周期价值|客户生命周期价值|终身价值|用户终身价值|"
        "客户终身价值|长期价值|生命周期总价值"
    ),
    "ltv_cac": (
        "ltv cac|ltv / cac|ltv to cac|ltv to cac ratio|ltv cac ratio|ltv over cac|ltv vs cac|"
        "ltv versus cac|ltv and cac ratio|ltv比cac|ltv / cac比|ltv cac比|ltv与cac之比|"
        "ltv和cac之比|ltv和cac的比|ltv除以cac|价值成本比|用户价值比获客成本|"
        "生命周期价值比获客成本"
    ),
    "roi": (
        "roi|roas|return on investment|return on ad spend|return on spend|return on adspend|"
        "投产比|投资回报率|投资回报|回报率|投入产出比|广告回报率|广告投产比|产出比|回报"
    ),
    "retention": (
        "retention|retention rate|retained users|user retention|"
        "留存|留存率|用户留存|留存情况|留存数据|用户留存率"
    ),
    "lead_conversion": (
        "lead conversion|lead conversion rate|lead to customer conversion|conversion rate|"
        "lead cvr|leads conversion|"
        "线索转化率|线索转化|留资转化率|转化率|线索成交率|销售线索转化率|线索转化情况"
    ),
    "cost_per_converted_lead": (
        "cost per converted lead|converted lead cost|"
        "转化线索成本|每个转化线索成本|单个转化线索成本|每条转化线索成本"
    ),
    "cost_per_lead": (
        "cost per lead|lead cost|cpl|线索成本|单线索成本|每条线索成本|每个线索成本|线索单价"
    ),
    "repeat_rate": (
        "repeat rate|repeat purchase rate|repurchase rate|repeat purchases|repeat buying|"
        "repeat customer rate|returning customer rate|buy again rate|"
        "复购率|复购|回购率|重复购买率|复购比例|二次购买率|回头客比例|复购情况"
    ),
    "first_order_cost": (
        "first order cost|cost per first order|first purchase cost|"
        "首单成本|首购成本|每个首单成本|首单费用"
    ),
}
# Registry aliases too plain to name a metric on their own in a sentence: they count only
# when no other metric word is there ("new" in "cac of the new campaign" is not a metric).
WEAK_ALIASES = frozenset({"new", "customers", "return", "repeat", "ret", "dn", "conversion"})


def _retention(day: int | None = None) -> Sense:
    return Sense("metric", ("retention", day))


def _retention_on() -> Sense:
    return _fn("metric", lambda n: ("retention", n))


RETENTION: list[Entry] = [
    *_all(
        "次日留存|次日留存率|次留|次日留存情况|next day retention|day one retention|"
        "first day retention",
        _retention(1),
    ),
    *_all("周留存|7日留存率|week one retention", _retention(7)),
    *_all("月留存|month one retention", _retention(30)),
    *_all(
        "d{n}|d{n} retention|retention d{n}|retention day {n}|day {n} retention|"
        "{n} day retention|{n} days retention|retention on day {n}|d{n}留存|"
        "{n}日留存|{n}日留存率|{n}天留存|{n}天留存率|第{n}天留存|第{n}日留存|第{n}天的留存|"
        "第{n}日留存率|{n}留",
        _retention_on(),
    ),
    *_all("day {n}|on day {n}|第{n}天|第{n}日", _fn("day", lambda n: n)),
    *_all("次日", Sense("day", 1)),
]

# --------------------------------------------------------------------------- time

_MONTHS = {
    "january|jan": 1,
    "february|feb": 2,
    "march|mar": 3,
    "april|apr": 4,
    "june|jun": 6,
    "july|jul": 7,
    "august|aug": 8,
    "september|sep|sept": 9,
    "october|oct": 10,
    "november|nov": 11,
    "december|dec": 12,
}


def _month(month: int) -> Sense:
    return Sense("when", When("month", month=month))


def _month_day(month: int) -> Sense:
    def make(n: int) -> When:
        if n >= 100:  # "October 2025": a month of that year
            return When("month", month=month, year=n)
        return When("day", month=month, day=n)

    return _fn("when", make)


def _day_of(month: int, day: int) -> When:
    return When("day", month=month, day=day)


def _month_entries() -> list[Entry]:
    out: list[Entry] = []
    for names, month in _MONTHS.items():
        for name in names.split("|"):
            out += [(name, _month(month)), (f"{name} {{n}}", _month_day(month))]
            out.append((f"{{n}} {name}", _fn("when", partial(_day_of, month))))
    # "may" is also a verb: only "in may", "since may", "may 5", "may 2026".
    out += _all("in may|since may", _month(5))
    out.append(("may {n}", _month_day(5)))
    return out


def _since_unit(unit: str) -> Sense:
    return _fn("when", lambda n: since(f"{n}{unit}"))


WHEN: list[Entry] = [
    *_all("yesterday|yday|昨天|昨日|昨儿|昨天一天", Sense("when", word("yesterday"))),
    *_all("day before yesterday|the day before yesterday|前天", Sense("when", When("ago", ago=2))),
    *_all("大前天", Sense("when", When("ago", ago=3))),
    *_all(
        "this week|current week|week to date|wtd|so far this week|thisweek|"
        "本周|这周|这一周|这个星期|本星期|这星期|这礼拜|这个礼拜|本周至今|本周以来",
        Sense("when", word("this-week")),
    ),
    *_all(
        "last week|previous week|lastweek|prior week|"
        "上周|上一周|上个星期|上星期|上礼拜|上个礼拜|前一周|上一个星期",
        Sense("when", word("last-week")),
    ),
    *_all(
        "this month|current month|so far this month|thismonth|"
        "本月|这个月|这月|当月|本月至今|本月以来|月初至今|这一个月",
        Sense("when", word("this-month")),
    ),
    *_all("mtd|month to date", Sense("when", word("mtd"))),
    *_all(
        "last month|previous month|lastmonth|prior month|上个月|上月|上一个月|前一个月|上一月",
        Sense("when", word("last-month")),
    ),
    *_all(
        "this quarter|current quarter|so far this quarter|本季度|这个季度|本季|当季|这季度",
        Sense("when", word("this-quarter")),
    ),
    *_all("qtd|quarter to date", Sense("when", word("qtd"))),
    *_all(
        "last quarter|previous quarter|prior quarter|上季度|上个季度|上一季度|上一个季度|上季",
        Sense("when", word("last-quarter")),
    ),
    *_all("this year|current year|今年|本年|本年度|今年以来", Sense("when", When("year", shift=0))),
    *_all("ytd|year to date|年初至今|今年至今", Sense("when", word("ytd"))),
    *_all(
        "last year|previous year|prior year|去年|上一年|上年|去年全年",
        Sense("when", When("year", shift=-1)),
    ),
    *_all("前年", Sense("when", When("year", shift=-2))),
    *_all("上半年|first half|h1", Sense("when", When("half", quarter=1))),
    *_all("下半年|second half|h2", Sense("when", When("half", quarter=2))),
    *_all(
        "last {n} days|past {n} days|previous {n} days|last {n} day|last {n} d|past {n} d|"
        "{n} days|近{n}天|最近{n}天|过去{n}天|近{n}日|最近{n}日|过去{n}日|{n}天内|{n}日内|"
        "最近{n}天内|前{n}天",
        _since_unit("d"),
    ),
    *_all(
        "last {n} weeks|past {n} weeks|previous {n} weeks|last {n} week|{n} weeks|"
        "近{n}周|最近{n}周|过去{n}周|近{n}个星期|最近{n}个星期|过去{n}个星期|{n}周内",
        _since_unit("w"),
    ),
    *_all(
        "last {n} months|past {n} months|previous {n} months|last {n} month|{n} months|"
        "近{n}个月|最近{n}个月|过去{n}个月|近{n}月|{n}个月|{n}个月内",
        _since_unit("m"),
    ),
    *_all("last {n} years|past {n} years|近{n}年|最近{n}年|过去{n}年", _since_unit("y")),
    *_all("past week", Sense("when", since("1w"))),
    *_all("past month", Sense("when", since("1m"))),
    *_all("past year", Sense("when", since("1y"))),
    *_all("{n}月|{n}月份", _fn("when", lambda n: When("month", month=n))),
    *_all(
        "{n}月{n}日|{n}月{n}号|{n}月{n}",
        _fn("when", lambda m, d: When("day", month=m, day=d)),
    ),
    *_all("{n}年|{n}年度|{n}年全年", _fn("when", lambda n: When("year", year=n))),
    *_all(
        "q{n}|quarter {n}|{n}季度|第{n}季度|第{n}季|{n}季",
        _fn("when", lambda n: When("quarter", quarter=n)),
    ),
    *_all("first quarter", Sense("when", When("quarter", quarter=1))),
    *_all("second quarter", Sense("when", When("quarter", quarter=2))),
    *_all("third quarter", Sense("when", When("quarter", quarter=3))),
    *_all("fourth quarter", Sense("when", When("quarter", quarter=4))),
    *_month_entries(),
]

# --------------------------------------------------------------------------- the rest

OPTIONS: list[Entry] = [
    *_all(
        "by channel|per channel|each channel|every channel|for each channel|across channels|"
        "channel breakdown|breakdown by channel|split by channel|by channels|channel by channel|"
        "per channels|each channels|"
        "按渠道|各渠道|分渠道|每个渠道|各个渠道|渠道分布|按渠道拆分|按渠道分|渠道拆分|各渠道对比|"
        "按照渠道|每一个渠道|分渠道看|按渠道看|渠道对比",
        Sense("by", "channel"),
    ),
    *_all(
        "by campaign|per campaign|each campaign|for each campaign|across campaigns|"
        "campaign breakdown|split by campaign|by campaigns|"
        "按活动|各活动|分活动|每个活动|各个活动|按营销活动|按campaign|各campaign|活动拆分|"
        "按活动拆分|按照活动",
        Sense("by", "campaign"),
    ),
    *_all(
        "by kind|by type|by channel type|per kind|paid vs organic|paid versus organic|"
        "paid and organic|organic vs paid|organic and paid|"
        "按类型|按渠道类型|付费和自然|付费vs自然|付费与自然|付费对比自然|自然和付费|付费和免费",
        Sense("by", "kind"),
    ),
    *_all(
        "daily|by day|per day|each day|day by day|every day|"
        "每天|每日|按天|按日|逐日|日趋势|分天|日度|每一天",
        Sense("grain", "day"),
    ),
    *_all(
        "weekly|by week|per week|each week|week by week|every week|"
        "每周|按周|逐周|周趋势|分周|周度|每个星期",
        Sense("grain", "week"),
    ),
    *_all(
        "monthly|by month|per month|each month|month by month|every month|"
        "每月|按月|逐月|月趋势|分月|月度|每个月",
        Sense("grain", "month"),
    ),
    *_all(
        "paid|paid channels|paid channel|paid media|paid traffic|"
        "付费|付费渠道|付费流量|付费投放|投放渠道|广告渠道|买量",
        Sense("kind", "paid"),
    ),
    *_all(
        "organic|unpaid|non paid|free traffic|natural traffic|organic channels|"
        "自然|自然渠道|非付费|免费流量|自然量|自然流量",
        Sense("kind", "organic"),
    ),
    *_all(
        "yoy|year over year|year on year|vs last year|versus last year|compared to last year|"
        "compared with last year|than last year|vs a year ago|vs same period last year|"
        "against last year|"
        "同比|同比去年|跟去年比|和去年比|与去年相比|比去年|较去年|去年同期|对比去年|相比去年|"
        "和去年同期比|跟去年同期比|同期对比",
        Sense("vs", "yoy"),
    ),
    *_all(
        "vs previous|vs prev|vs previous period|vs prior period|vs last period|"
        "period over period|pop|vs before|compared to the previous period|wow|week over week|"
        "mom|month over month|vs last week|vs last month|compared to last week|"
        "compared to last month|compared with last week|compared with last month|"
        "环比|比上期|较上期|和上期比|跟上期比|对比上期|环比上周|比上周|较上周|和上周比|跟上周比|"
        "比上月|较上月|比上个月|和上个月比|跟上个月比|对比上周|对比上个月|相比上周|相比上个月",
        Sense("vs", "prev"),
    ),
    *_all(
        "no comparison|without comparison|vs none|不对比|不比较|无对比|不要对比",
        Sense("vs", "none"),
    ),
]

# Words that shape a reading without naming anything themselves.
CUES: list[Entry] = [
    *_all("since|自从|自", Sense("cue", "since")),
    *_all(
        "以来|至今|到现在|到今天|开始|起|以后|之后|到目前为止|目前为止|迄今为止|为止|so far|"
        "until now|to date|till now",
        Sense("cue", "since_after"),
    ),
    *_all("from|between|从|由", Sense("cue", "from")),
    *_all("to|until|till|through|thru|到|至|and", Sense("cue", "to")),
    *_all("on|for|in|at|via|within|在|通过", Sense("cue", "slot")),
    *_all("渠道|平台|上|channel|channels|platform", Sense("cue", "slot_after")),
    *_all("活动|营销活动|campaign|campaigns|promo|promotion", Sense("cue", "campaign_after")),
    *_all(
        "compare|comparing|comparison|vs|versus|against|respectively|对比|比较|相比|对照|分别|各自",
        Sense("cue", "compare"),
    ),
    *_all("ratio|比值|之比|比率|比例", Sense("cue", "ratio")),
    *_all("last|past|previous|prior|recent", Sense("cue", "last")),
    *_all("by|per|按|按照|分", Sense("cue", "by")),
    *_all("today|今天|今日|当天", Sense("cue", "today")),
    *_all("week|周|星期|礼拜", Sense("cue", "week")),
    *_all("month|月", Sense("cue", "month")),
    *_all("quarter|季度", Sense("cue", "quarter")),
    *_all("trend|trends|over time|trend line|趋势|走势|变化趋势|曲线|变化", Sense("cue", "trend")),
]

STOP_WORDS = (
    "a|an|the|is|are|was|were|be|been|being|am|do|does|did|done|doing|has|have|had|what|whats|"
    "which|who|how|much|many|why|when|where|our|my|we|us|me|i|you|your|it|its|this|that|these|"
    "those|there|here|show|tell|give|get|got|see|check|find|pull|fetch|display|please|pls|plz|"
    "can|could|would|will|should|might|let|lets|know|want|need|like|about|of|or|with|so|far|now|"
    "currently|current|right|total|overall|whole|entire|all|any|some|just|only|also|as|up|out|"
    "look|looking|looks|number|numbers|figure|figures|metric|metrics|stat|stats|data|report|hi|"
    "hey|hello|ok|okay|thanks|thank|bot|s|t|st|nd|rd|th|going|performing|performance|perform|then|"
    "than|same|time|bring|brought|acquire|acquired|all channels|in total|value|rate|best|worst|"
    "highest|lowest|most|least|top|bottom|good|bad|better|worse|high|low|up|down|benchmark|"
    "target|drop|dropped|rise|rose|grow|grew|"
    "的|地|得|了|吗|呢|啊|吧|呀|么|嘛|哦|是|是多少|多少|有多少|为多少|几|几个|什么|啥|怎么样|"
    "怎样|如何|咋样|情况|数据|数字|表现|效果|指标|我们|我们的|咱们|我|你|请|请问|麻烦|帮我|"
    "帮忙|给我|查|查查|查一下|查询|看|看看|看一下|一下|告诉我|想知道|知道|现在|目前|当前|最近|"
    "近期|总|总共|一共|整体|总体|整个|全部|所有|合计|总计|里|中|内|和|与|跟|及|以及|还有|或|"
    "或者|还是|这|那|个|下|能|可以|想|要|计算|算|多高|多大|高不高|好不好|到底|大概|对|是不是|"
    "有|没有|带来|获得|共|所有渠道|全部渠道|全渠道|公司|怎么|期间|时候|那个|这个|各位|最高|最低|"
    "最好|最差|最多|最少|高|低|下降|上升|增长|降低|提高|涨|跌|低于|高于|基准|目标|多了|少了|"
    "一个|这一|那一"
)

# "Which channel had the lowest CAC": one row per channel (or campaign).
WHICH_CHANNEL = "which channel|which channels|哪个渠道|哪些渠道|哪个平台|哪家渠道"
WHICH_CAMPAIGN = "which campaign|which campaigns|哪个活动|哪些活动"

# Well-known channels' other names, used when the catalog has a channel with that key.
KNOWN_CHANNELS: dict[str, str] = {
    "tiktok": "tiktok|tik tok|抖音国际版|海外抖音",
    "douyin": "douyin|抖音|dy",
    "xiaohongshu": "xiaohongshu|小红书|红书|xhs|rednote|little red book|xiao hong shu",
    "wechat": "wechat|weixin|微信|wx|we chat",
    "baidu": "baidu|百度|百度搜索",
    "kuaishou": "kuaishou|快手",
    "bilibili": "bilibili|b站|哔哩哔哩|bili",
    "weibo": "weibo|微博",
    "organic": "organic traffic|自然流量",
    "google": "google|谷歌",
    "facebook": "facebook|fb|脸书|meta",
}
