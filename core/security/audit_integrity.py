"""The engine's watch over the audit trail: verify the hash chain at start and once a day.

A break raises the critical alarm ``security.audit_tampered`` naming the first broken row (it
stays active while the trail is broken: a restored good file clears it at the next check); a
trail that cannot be read at all raises ``security.audit_unverified`` (high). The check reads
log.db on a read-only connection in a worker thread: the event loop never waits for it.
The append-only triggers themselves are recreated by log.db's writer each time it opens the
file (core.storage.logdb), before this first check runs. With an :class:`AuditAnchor` (users.db)
each good check is anchored, and the next one also requires the trail to still hold that row
with that hash (a trail emptied, cut short, swapped or re-chained is found too).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from core.analysis.alarms import AlarmManager, Priority
from core.security.access import run_in_thread
from core.security.audit_anchor import AuditAnchor
from core.security.audit_chain import ChainReport, verify_file

log = logging.getLogger("bandsaw.security")

ALARM_TAMPERED = "security.audit_tampered"
ALARM_UNVERIFIED = "security.audit_unverified"
DAY_S = 86_400.0


class AuditIntegrity:
    def __init__(
        self,
        log_db: Path,
        alarms: AlarmManager,
        *,
        anchor: AuditAnchor | None = None,
        period_s: float = DAY_S,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.path = Path(log_db)
        self.anchor = anchor
        self._alarms = alarms
        self._period_s = period_s
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._checked = asyncio.Event()
        self.last: ChainReport | None = None
        self.checks = 0

    def start(self) -> None:
        """Check now (in the background), then every ``period_s``."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="bandsaw.security.audit_integrity")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def wait_checked(self) -> ChainReport | None:
        """The first check's report (for start-up and tests)."""
        await self._checked.wait()
        return self.last

    async def _run(self) -> None:
        while True:
            await self.check()
            await self._sleep(self._period_s)

    async def check(self) -> ChainReport:
        """Verify the whole chain now; raise or clear the alarms; returns the report."""
        try:
            report = await run_in_thread(self._verify)
        except Exception as exc:  # never let the watch die: say it could not look
            report = ChainReport(0, 0, error=f"{type(exc).__name__}: {exc}")
        self.last = report
        self.checks += 1
        self._report(report)
        self._checked.set()
        return report

    def _verify(self) -> ChainReport:
        """Worker thread: verify against the anchor; an intact trail becomes the new anchor."""
        if self.anchor is None:
            return verify_file(self.path)
        try:
            anchor = self.anchor.load()
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

    def _report(self, report: ChainReport) -> None:
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
