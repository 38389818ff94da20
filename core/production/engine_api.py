"""The Production page's queries and the report export, mixed into the engine (and so into the
stand-in engine, which shares core.engine_queries): computed in a worker thread, never on the
loop thread, every failure a refused :class:`core.api.Result` with the reason."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.api import Result, UserSession
from core.config import Settings
from core.offload import run_blocking
from core.production.export import ExportError, report_format, write_report
from core.production.service import (
    ReportError,
    answer,
    production_view,
    report_set,
    request_period,
    zone_of,
)
from core.production.values import ProductionReport, ProductionView, ReportRequest
from core.security.access import AccessControl, PermissionDenied
from core.security.audit import AuditResult
from core.security.permissions import Permission

_ERRORS = (ReportError, ExportError, sqlite3.Error, OSError)


class ProductionQueries:
    """Mixed into core.engine_queries.EngineQueries; the attributes below are the engine's."""

    settings: Settings
    access: AccessControl

    async def production_view(self) -> Result[ProductionView]:
        try:
            view = await run_blocking(lambda: production_view(self.settings), name="bandsaw-query-production")
        except _ERRORS as exc:
            return Result.refused(f"cannot compute the production figures: {exc}")
        return Result.done(view)

    async def production_report(self, request: ReportRequest) -> Result[ProductionReport]:
        try:
            report = await run_blocking(lambda: answer(self.settings, request), name="bandsaw-query-report")
        except _ERRORS as exc:
            return Result.refused(str(exc))
        return Result.done(report)

    async def export_production_report(self, session: UserSession, request: ReportRequest,
                                       out: Path) -> Result[Path]:
        target = f"production report -> {out}"
        try:
            self.access.authorize(session.user, Permission.EXPORT, target=target)
        except PermissionDenied as exc:
            return Result.refused(exc.reason)

        def write() -> Path:
            report_format(out)
            start, end = request_period(request)
            full = report_set(self.settings, start, end, shift=request.shift)
            return write_report(out, [*full.by_shift, full.total], zone_of(self.settings),
                                title=f"Production report {self.settings.machine.name}")

        try:
            written = await run_blocking(write, name="bandsaw-export-report")
        except _ERRORS as exc:
            self.access.trail.record(session.user, "export", target, result=AuditResult.FAILED, detail=str(exc))
            return Result.refused(f"not exported: {exc}")
        self.access.trail.record(session.user, "export", target, result=AuditResult.ACCEPTED)
        return Result.done(written)
