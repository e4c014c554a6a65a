"""Deterministic, believable demo growth data, generated and loaded in chunks of users.

Six channels with their own economics, so the metrics differ in ways worth asking about,
and the three playbook situations planted near the end of the range (profiles):

* baidu pays too much for its customers: LTV/CAC stays under 3;
* xiaohongshu's next-day (D1) retention falls on each of the last sign-up days;
* wechat's cost per sign-up jumps for the last two complete weeks, so its ROI drops under
  its benchmark while it was well above it before;

plus a Double-11 spike (spend, sign-ups and orders several times normal around 11 November).

The plan decides the counts per day and channel, the campaigns and the spend; the generator
makes the users, leads, orders and activity from it chunk by chunk; load writes them.
"""

from bot.data.demo.generator import Generator
from bot.data.demo.load import DemoDataError, DemoSummary, load_demo
from bot.data.demo.profiles import PLANTED

__all__ = ["PLANTED", "DemoDataError", "DemoSummary", "Generator", "load_demo"]
