"""The engine refuses what a role may not do, whatever the HMI showed (once Engine has ``access``).

Skipped until core/engine.py constructs ``self.access`` (AccessControl) and calls ``authorize``
in write, apply_preset and set_mode; then each role is checked against each of them on the
simulator, and the refusals are in log.db's audit trail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.api import UserSession
from core.registers import RegisterMap
from core.security.audit_query import AuditFilter, query_audit
from core.security.permissions import Role
from core.security.testing import login_as
from core.snapshot import Quality
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PEOPLE = {"alice": Role.ADMIN, "erin": Role.ENGINEER, "otto": Role.OPERATOR}
MALLORY = UserSession("mallory", Role.ADMIN)  # claims admin; the engine knows no such login


async def test_each_role_against_each_engine_action(tmp_path: Path, register_map: RegisterMap) -> None:
    from core.engine import Engine

    settings = settings_in(tmp_path, database={"sqlite": {"batch_ms": 100}}, ml={"model_path": None})
    engine = Engine(settings, register_map, simulate=True)
    access = engine.access
    await engine.start()
    try:
        await wait_until(lambda: engine.latest is not None and engine.latest.quality is Quality.GOOD, "a good snapshot")
        for name, role in PEOPLE.items():
            login_as(access, name, role)
        for name, role in [*PEOPLE.items(), ("operator", Role.OPERATOR)]:
            write = await engine.write(UserSession(name, role), "cutting_speed", 70.0, reason="test")
            refused = "needs engineer" in write.reason
            assert refused is (role is Role.OPERATOR), (name, write)
            for result in await engine.apply_preset(UserSession(name, role), "normal"):
                assert "needs" not in result.reason and "not logged in" not in result.reason, (name, result)
            mode = engine.set_mode(UserSession(name, role), "manual", reason="test")
            assert "needs" not in mode.reason and "not logged in" not in mode.reason, (name, mode)
        stranger = await engine.write(MALLORY, "cutting_speed", 70.0)
        assert not stranger.ok and "not logged in" in stranger.reason
        presets = await engine.apply_preset(MALLORY, "normal")
        assert all(not r.ok for r in presets)
        mode = engine.set_mode(MALLORY, "manual")
        assert not mode.ok and "not logged in" in mode.reason
    finally:
        await engine.stop()
    log_db = settings.data_dir / "databases" / "log.db"
    refusals = query_audit(log_db, AuditFilter(result="refused"), limit=100)
    assert {(r.user, r.action) for r in refusals} >= {("otto", "write_register"), ("operator", "write_register"),
                                                     ("mallory", "write_register")}
    logins = query_audit(log_db, AuditFilter(actions=("login",)), limit=100)
    assert {r.user for r in logins} == set(PEOPLE)
