"""The scheduler: APScheduler 3.11 timing, with uniqueness from the job run rows.

APScheduler cannot share a job store between processes (its FAQ: "You can't"), so every
process keeps its own in-memory plan and every send claims its run row first (bot/core/runs.py):
however many bot processes run, each digest goes out once. The plan per workspace:

- digest at DIGEST_TIME (weekdays only or every day), stand-up prompt at STANDUP_TIME, the
  OKR check-in prompt on Mondays at STANDUP_TIME, all cron triggers in the workspace's own
  time zone (a trigger without one uses the host's);
- rollup refresh and playbook alerts hourly (and claims of handled requests a day old
  forgotten);
- a watchdog every few minutes (and once at start-up) that posts a digest or prompt that is
  due but not out yet (missed start, failed or abandoned run) within DIGEST_GRACE_HOURS, and
  re-plans workspaces whose schedule settings changed in another process.

The job functions live in jobs/digest.py, jobs/standup.py and jobs/alerts.py and take
(ctx, now), ctx being the workspace's Context, so tests call them directly with a ManualClock.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core import dedupe
from bot.core.context import Context
from bot.core.settings import Settings, parse_hhmm
from jobs.alerts import rollup_job
from jobs.digest import digest_job
from jobs.okr_checkin import okr_checkin_job
from jobs.slack import workspace_ids
from jobs.standup import standup_job

log = logging.getLogger(__name__)

WATCHDOG_EVERY = timedelta(minutes=5)
ROLLUP_MINUTE = 5
KEEP_HANDLED = timedelta(days=1)
_current: WarRoomScheduler | None = None
_current_lock = threading.Lock()


@dataclass(frozen=True)
class Plan:
    """The schedule settings of one workspace; a change means re-planning its jobs."""

    timezone: str
    digest_time: str
    standup_time: str
    weekdays_only: bool
    grace_hours: float

    @classmethod
    def of(cls, settings: Settings) -> Plan:
        """The plan the settings ask for."""
        return cls(
            settings.timezone,
            settings.digest_time,
            settings.standup_time,
            settings.digest_weekdays_only,
            settings.digest_grace_hours,
        )

    def trigger(self, hhmm: str, days: str | None = None) -> CronTrigger:
        """A cron trigger at `hhmm` on the planned days (or `days`, e.g. "mon"), in the
        workspace's time zone."""
        moment = parse_hhmm(hhmm)
        return CronTrigger(
            day_of_week=days or ("mon-fri" if self.weekdays_only else "*"),
            hour=moment.hour,
            minute=moment.minute,
            timezone=ZoneInfo(self.timezone),
        )

    @property
    def grace_seconds(self) -> int:
        """APScheduler's misfire grace: a run late by up to this still happens."""
        return max(int(self.grace_hours * 3600), 1)


class WarRoomScheduler:
    """Plans and runs the war-room jobs of every workspace in this process."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # Set on purpose: APScheduler's default grace is one second; coalescing turns a
        # backlog of missed runs into one (the run rows make repeats harmless anyway).
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self._plans: dict[str, Plan] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ planning

    def plan(self, workspace_id: str) -> Plan:
        """(Re)plan the digest and stand-up jobs of one workspace from its current settings."""
        plan = Plan.of(self.ctx.for_workspace(workspace_id).settings)
        with self._lock:
            for name, job, hhmm, days in (
                ("digest", digest_job, plan.digest_time, None),
                ("standup", standup_job, plan.standup_time, None),
                ("okr_checkin", okr_checkin_job, plan.standup_time, "mon"),
            ):
                job_id = f"{name}:{workspace_id}"
                # Before start() APScheduler keeps a pending list where replace_existing
                # does not apply yet; removing first makes re-planning work in both states.
                if self.scheduler.get_job(job_id) is not None:
                    self.scheduler.remove_job(job_id)
                self.scheduler.add_job(
                    self._runner(job, workspace_id),
                    plan.trigger(hhmm, days),
                    id=job_id,
                    name=f"{name} for {workspace_id}",
                    replace_existing=True,
                    misfire_grace_time=plan.grace_seconds,
                    coalesce=True,
                    max_instances=1,
                )
            self._plans[workspace_id] = plan
        log.info(
            "planned %s: digest %s, stand-up %s %s (%s)",
            workspace_id,
            plan.digest_time,
            plan.standup_time,
            "weekdays" if plan.weekdays_only else "every day",
            plan.timezone,
        )
        return plan

    def replan(self, workspace_id: str) -> Plan:
        """Re-plan after a settings change (the next runs follow the new times at once)."""
        return self.plan(workspace_id)

    def plan_all(self) -> None:
        """Plan every workspace; re-plan those whose settings changed since the last look."""
        for workspace_id in workspace_ids(self.ctx):
            settings = self.ctx.for_workspace(workspace_id).settings
            if self._plans.get(workspace_id) != Plan.of(settings):
                self.plan(workspace_id)

    def _runner(self, job: Callable[..., object], workspace_id: str) -> Callable[[], None]:
        ctx = self.ctx

        def run() -> None:
            try:
                # A fresh Context each run, so settings saved meanwhile are read again.
                job(ctx.for_workspace(workspace_id), ctx.clock.now())
            except Exception:
                # A job never takes the scheduler down; the next trigger or watchdog retries.
                log.exception("%s for workspace %s failed", job.__name__, workspace_id)

        run.__name__ = f"{job.__name__}_{workspace_id}"
        return run

    def watchdog(self) -> None:
        """Catch up: plan new or changed workspaces, then send what is due and not out yet."""
        try:
            self.plan_all()
        except Exception:
            log.exception("re-planning the workspaces failed")
        for workspace_id in list(self._plans):
            for job in (standup_job, okr_checkin_job, digest_job):
                self._runner(job, workspace_id)()

    def _rollups(self) -> None:
        try:
            rollup_job(self.ctx, self.ctx.clock.now())
        except Exception:
            log.exception("the hourly rollup refresh failed")
        try:
            # Slack refuses requests signed more than 5 minutes ago, so older claims of
            # handled events and requests can never meet a twin again.
            dedupe.forget_before(self.ctx.db, self.ctx.clock.now() - KEEP_HANDLED)
        except Exception:
            log.exception("forgetting old handled requests failed")

    # ------------------------------------------------------------------ running

    def start(self) -> None:
        """Plan everything and start the background thread; the watchdog runs at once."""
        global _current
        self.plan_all()
        self.scheduler.add_job(
            self._rollups,
            CronTrigger(minute=ROLLUP_MINUTE, timezone=UTC),
            id="rollups",
            replace_existing=True,
            misfire_grace_time=3000,
        )
        self.scheduler.add_job(
            self.watchdog,
            IntervalTrigger(seconds=int(WATCHDOG_EVERY.total_seconds()), timezone=UTC),
            id="watchdog",
            replace_existing=True,
            # First run straight away: a bot started after the digest time catches up now.
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()
        with _current_lock:
            _current = self

    def shutdown(self, wait: bool = True) -> None:
        """Stop the background thread (running jobs finish first when `wait`)."""
        global _current
        with _current_lock:
            if _current is self:
                _current = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    def next_run(self, job_id: str) -> datetime | None:
        """When the job with this id runs next (None when it is not planned)."""
        job = self.scheduler.get_job(job_id)
        if job is None:
            return None
        next_time = getattr(job, "next_run_time", None)
        if next_time is None:
            # Before start(), APScheduler has not computed it yet; ask the trigger.
            next_time = job.trigger.get_next_fire_time(None, self.ctx.clock.now())
        return next_time


def current() -> WarRoomScheduler | None:
    """The scheduler running in this process, if any."""
    with _current_lock:
        return _current


def settings_changed(workspace_id: str) -> None:
    """Tell this process's scheduler that a workspace's settings changed (others notice
    within one watchdog period)."""
    running = current()
    if running is not None:
        try:
            running.replan(workspace_id)
        except Exception:
            log.exception("re-planning %s after a settings change failed", workspace_id)


def start_scheduler(ctx: Context) -> WarRoomScheduler:
    """Start the scheduler in the background of the bot process."""
    scheduler = WarRoomScheduler(ctx)
    scheduler.start()
    return scheduler


def run_forever(ctx: Context) -> None:
    """Run only the scheduler until SIGINT or SIGTERM (the `warroom scheduler` command)."""
    stop = threading.Event()
    scheduler = start_scheduler(ctx)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    log.info("scheduler running; stop with Ctrl-C")
    try:
        stop.wait()
    finally:
        scheduler.shutdown()
