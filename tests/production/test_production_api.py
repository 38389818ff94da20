"""core.api's production queries and export on the stand-in engine (the engine's own query code):
off the loop thread, refusals with reasons, the export checked (engineer) and audited."""

from __future__ import annotations

from pathlib import Path

from production_helpers import run_settings
from pypdf import PdfReader
from test_report_edges import cut, make_db, ms

from core.api import ReportRequest, Role, UserSession
from core.registers import RegisterMap
from core.security.audit import AuditResult
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine


async def test_view_report_and_export_through_the_contract(tmp_path: Path, register_map: RegisterMap) -> None:
    settings = run_settings(tmp_path / "data")
    start = ms("2026-12-01T06:00")
    make_db(settings.data_dir, [cut(start + i * 900_000, 120) for i in range(8)],
            [(start + i * 60_000, [2, 3][i % 2], "up") for i in range(300)])
    engine = StandInEngine(settings, register_map)
    view = await engine.production_view()
    assert view.ok and view.value is not None and view.value.shift_names == ("Early", "Late", "Night")

    report = await engine.production_report(ReportRequest(ms("2026-12-01T00:00"), ms("2026-12-02T00:00"),
                                                          shift="Early"))
    assert report.ok and report.value is not None and report.value.cuts == 8
    refused = await engine.production_report(ReportRequest(ms("2026-12-02T00:00"), ms("2026-12-01T00:00")))
    assert not refused.ok and "empty period" in refused.reason
    unknown = await engine.production_report(ReportRequest(shift="Lunch"))
    assert not unknown.ok and "unknown shift 'Lunch'" in unknown.reason

    out = tmp_path / "early.pdf"
    request = ReportRequest(ms("2026-12-01T00:00"), ms("2026-12-02T00:00"))
    denied = await engine.export_production_report(UserSession.anonymous(), request, out)
    assert not denied.ok and "engineer" in denied.reason and not out.exists()
    erin = UserSession(login_as(engine.access, "erin", Role.ENGINEER), Role.ENGINEER)
    done = await engine.export_production_report(erin, request, out)
    assert done.ok and done.value == out and len(PdfReader(out).pages) == 4
    bad = await engine.export_production_report(erin, request, tmp_path / "x.docx")
    assert not bad.ok and "unknown report format" in bad.reason
    rows = [(r.user, r.action, r.result) for r in engine.audited if "production report" in r.target]
    assert rows == [("operator", "export", AuditResult.REFUSED), ("erin", "export", AuditResult.ACCEPTED),
                    ("erin", "export", AuditResult.FAILED)]
