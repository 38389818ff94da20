"""The engine's watch over the audit trail: verify the hash chain at start and once a day.

A break raises the critical alarm ``security.audit_tampered`` naming the first broken row (it
stays active while the trail is broken: a restored good file clears it at the next check); a
trail that cannot be read at all raises ``security.audit_unverified`` (high). The check reads
log.db on a read-only connection in a worker thread: the event loop never waits for it.
The append-only triggers themselves are recreated by log.db's writer each time it opens the
file (core.storage.logdb), before this first check runs. With an :class:`AuditAnchor` (users.db)
each good check is anchored, and the next one also requires the trail to still hold that row
with that hash (a trail emptied, cut short, swapped or re-chained is found too).

The anchor also moves forward between the daily checks: after every audit row the engine appends
(:meth:`appended`, once log.db's writer has committed it), every ``anchor_period_s`` (a minute) and
at a clean stop (:meth:`seal`, after log.db's last rows are written) the rows appended since the
anchor are checked and, when they follow the chain, the anchor moves to the newest. Rows cut off
the end with the AUTOINCREMENT counter set back are then found for everything older than a minute
(before this, only for rows older than the last start or daily check).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from core.analysis.alarms import AlarmManager, Priority
from core.security.access import run_in_thread
from core.security.audit_anchor import AnchorTampered, AuditAnchor
from core.security.audit_chain import ChainBreak, ChainReport, verify_file
from core.security.audit_missing import standing_loss

log = logging.getLogger("bandsaw.security")

ALARM_TAMPERED = "security.audit_tampered"
ALARM_UNVERIFIED = "security.audit_unverified"
DAY_S = 86_400.0
ANCHOR_PERIOD_S = 60.0  # how often the anchor follows the appended rows


class AuditIntegrity:
    def __init__(
        self,
        log_db: Path,
        alarms: AlarmManager,
        *,
        anchor: AuditAnchor | None = None,
        period_s: float = DAY_S,
        anchor_period_s: float | None = ANCHOR_PERIOD_S,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.path = Path(log_db)
        self.anchor = anchor
        self._alarms = alarms
        self._period_s = period_s
        self._sleep = sleep
        self._anchor_period_s = anchor_period_s
        self._task: asyncio.Task[None] | None = None
        self._anchoring: asyncio.Task[None] | None = None
        self._appending: asyncio.Task[None] | None = None
        self._appended = False
        self._lock = threading.Lock()  # one check at a time (the daily one and the anchor's)
        self._checked = asyncio.Event()
        self.last: ChainReport | None = None
        self.checks = 0
        self._loss_shown = False

    def start(self) -> None:
        """Check now (in the background), then every ``period_s``."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="bandsaw.security.audit_integrity")
        if self.anchor is not None and self._anchor_period_s and (self._anchoring is None or self._anchoring.done()):
            self._anchoring = asyncio.create_task(self._follow(self._anchor_period_s),
                                                  name="bandsaw.security.audit_anchor")

    async def stop(self) -> None:
        """Stop the checks (call :meth:`seal` after log.db's writer has stopped)."""
        for task in (self._task, self._anchoring, self._appending):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._task = self._anchoring = self._appending = None

    def appended(self, written: Callable[[], Awaitable[object]]) -> None:
        """An audit row was handed to log.db's writer: once ``written()`` returns (the writer's
        queue drained, the row committed), move the anchor to it. Rows cut off the end are then
        found however soon after they were written. Appends while one is under way are followed
        by one more advance (audit rows are people's actions: rare)."""
        if self.anchor is None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # not running: the next check or the stop's seal anchors
            return
        self._appended = True
        if self._appending is None or self._appending.done():
            self._appending = asyncio.create_task(self._follow_appends(written), name="bandsaw.security.audit_append")

    async def _follow_appends(self, written: Callable[[], Awaitable[object]]) -> None:
        await self._checked.wait()  # the start's full check anchors first
        while self._appended:
            self._appended = False
            await written()
            await self.advance()

    async def seal(self) -> ChainReport | None:
        """At a clean stop, after the last audit rows are written: anchor at the newest row."""
        return await self.advance()

    async def advance(self) -> ChainReport | None:
        """Check the rows appended since the anchor; move the anchor to the newest when they follow
        the chain. A break is reported as by :meth:`check` (critical alarm, first broken row).
        None when there is nothing to do (no anchor kept, or the trail is already known broken)."""
        if self.anchor is None or (self.last is not None and self.last.breaks):
            return None  # (a trail that could not be read, e.g. no log.db yet at a first start, is tried)
        try:
            report = await run_in_thread(self._advance)
        except Exception as exc:
            log.warning("audit anchor not moved forward: %s", exc)
            return None
        if report is not None and not report.ok:
            return await self.check()  # the full check names the first broken row and raises the alarm
        return report

    async def wait_checked(self) -> ChainReport | None:
        """The first check's report (for start-up and tests)."""
        await self._checked.wait()
        return self.last

    async def _run(self) -> None:
        while True:
            await self.check()
            await self._sleep(self._period_s)

    async def _follow(self, period_s: float) -> None:
        await self._checked.wait()  # the start's full check anchors first
        while True:
            await asyncio.sleep(period_s)
            await self.advance()
            await self.recheck_loss()

    async def recheck_loss(self) -> None:
        """While a missing trail is shown: look again (an admin's 'bandsaw audit accept-missing'
        clears the alarm here, within ``anchor_period_s``, not only at the daily check)."""
        if not self._loss_shown or self.last is None:
            return
        try:
            lost = await run_in_thread(standing_loss, self.path.parent)
        except Exception as exc:
            log.warning("missing audit trail not checked again: %s", exc)
            return
        if not lost:
            self._report(self.last, lost)

    async def check(self) -> ChainReport:
        """Verify the whole chain now; raise or clear the alarms; returns the report."""
        try:
            report = await run_in_thread(self._verify)
        except Exception as exc:  # never let the watch die: say it could not look
            report = ChainReport(0, 0, error=f"{type(exc).__name__}: {exc}")
        try:  # deleted with data beside it (core.security.audit_missing); reads log.db: off the loop
            lost = await run_in_thread(standing_loss, self.path.parent)
        except Exception as exc:
            lost = f"the missing-trail check failed: {type(exc).__name__}: {exc}"
        self.last = report
        self.checks += 1
        self._report(report, lost)
        self._checked.set()
        return report

    def _advance(self) -> ChainReport | None:
        """Worker thread: the rows after the anchor; re-anchor at the newest when they verify."""
        assert self.anchor is not None
        with self._lock:
            try:
                anchor = self.anchor.load()
            except AnchorTampered:
                return self._verify_locked()  # reports it as a break
            if anchor is None:  # none yet (first start, or reset by a restore): the full check anchors
                return self._verify_locked()
            report = verify_file(self.path, anchor, tail_only=True)
            if report.ok and report.rows:
                self.anchor.save(report)
            return report

    def _verify(self) -> ChainReport:
        with self._lock:
            return self._verify_locked()

    def _verify_locked(self) -> ChainReport:
        """Worker thread: verify against the anchor; an intact trail becomes the new anchor."""
        if self.anchor is None:
            return verify_file(self.path)
        try:
            anchor = self.anchor.load()
        except AnchorTampered as exc:  # edited, stripped or deleted: as a break of the trail (critical)
            log.critical("%s", exc)
            return ChainReport(0, 0, breaks=(ChainBreak(0, str(exc)),))
        except Exception as exc:  # users.db unusable: still check the chain itself
            log.warning("audit anchor unreadable (%s): checking the chain without it", exc)
            return verify_file(self.path)
        report = verify_file(self.path, anchor)
        if report.ok and report.rows:
            try:
                self.anchor.save(report)
            except Exception as exc:
                log.warning("audit anchor not saved: %s", exc)
        return report

    def _report(self, report: ChainReport, lost: str) -> None:
        self._loss_shown = bool(lost)
        if lost:
            log.critical("audit trail missing: %s", lost)
            self._alarms.update(ALARM_TAMPERED, True, lost, priority=Priority.CRITICAL, source="security")
            return
        missing = report.error and not self.path.exists()  # first start: no log.db yet is not a fault
        if report.error and not missing:
            log.error("%s", report.describe())
            self._alarms.update(ALARM_UNVERIFIED, True, report.describe(), priority=Priority.HIGH, source="security")
            return
        self._alarms.update(ALARM_UNVERIFIED, False, "audit trail verified", priority=Priority.HIGH, source="security")
        if report.ok or missing:
            log.info("%s", report.describe())
            self._alarms.update(ALARM_TAMPERED, False, "audit trail intact", priority=Priority.CRITICAL,
                                source="security")
            return
        log.critical("%s", report.describe())
        self._alarms.update(ALARM_TAMPERED, True, report.describe(), priority=Priority.CRITICAL, source="security")
