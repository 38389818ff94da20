"""The Production page's queries and the report export, mixed into the engine (and so into the
stand-in engine, which shares core.engine_queries): computed in a worker thread, never on the loop
thread; every failure a refused :class:`core.api.Result` with the reason. The export stays in a
thread, not core.engine_worker's process: it reads the cut and state tables (thousands of rows for
a month, about a second of CPU, measured in bench/report.py), and a spawned process needs longer
than that just to import the engine on a loaded saw PC."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.analysis.alarms import AlarmManager
from core.api import Result, UserSession
from core.config import Settings
from core.offload import run_blocking
from core.production.export import ExportError, export_report, report_format
from core.production.service import ReportError, answer, production_view
from core.production.values import ProductionReport, ProductionView, ReportRequest
from core.security.access import AccessControl, PermissionDenied
from core.security.audit import AuditResult
from core.security.permissions import Permission

_ERRORS = (ReportError, ExportError, sqlite3.Error, OSError)


class ProductionQueries:
    """Mixed into core.engine_queries.EngineQueries (engine and stand-in); the attributes are the engine's."""

    settings: Settings
    access: AccessControl
    alarms: AlarmManager

    async def production_view(self) -> Result[ProductionView]:
        try:
            view = await run_blocking(lambda: production_view(self.settings), name="bandsaw-query-production")
        except _ERRORS as exc:
            return Result.refused(f"cannot compute the production figures: {exc}")
        return Result.done(replace(view, current=self._causes_in_every_language(view.current),
                                   previous=tuple(self._causes_in_every_language(r) for r in view.previous)))

    async def production_report(self, request: ReportRequest) -> Result[ProductionReport]:
        try:
            report = await run_blocking(lambda: answer(self.settings, request), name="bandsaw-query-report")
        except _ERRORS as exc:
            return Result.refused(str(exc))
        return Result.done(self._causes_in_every_language(report))

    def _causes_in_every_language(self, report: ProductionReport | None) -> Any:
        """The downtime causes' texts (logged in English) in every language from the message catalogue."""
        if report is None or not report.downtime:
            return report
        catalogue = self.alarms.policy.catalogue
        causes = []
        for cause in report.downtime:
            detail, texts = catalogue.reread(cause.key, cause.text)
            causes.append(replace(cause, detail=detail, texts=texts))
        return replace(report, downtime=tuple(causes))

    async def export_production_report(self, session: UserSession, request: ReportRequest,
                                       out: Path) -> Result[Path]:
        target = f"production report -> {out}"
        try:
            self.access.authorize(session.user, Permission.EXPORT, target=target)
        except PermissionDenied as exc:
            return Result.refused(exc.reason)

        try:
            report_format(out)
            written = await run_blocking(export_report, self.settings, request, out, name="bandsaw-export-report")
        except _ERRORS as exc:
            self.access.trail.record(session.user, "export", target, result=AuditResult.FAILED, detail=str(exc))
            return Result.refused(f"not exported: {exc}")
        self.access.trail.record(session.user, "export", target, result=AuditResult.ACCEPTED)
        return Result.done(written)
