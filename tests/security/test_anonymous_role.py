"""Nobody logged in: security.anonymous_role decides, on the real engine and simulator.

``operator`` (the default): presets, mode changes, acknowledging and band notes work without a PIN.
``viewer``: each of them is refused with a reason that says nobody is logged in, nothing changes,
and the refusal is in log.db's audit trail; a logged-in operator may do them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.api import UserSession
from core.config import PROJECT_ROOT, Settings, load_settings
from core.registers import RegisterMap
from core.security.audit_query import AuditFilter, query_audit
from core.security.permissions import Role
from core.security.testing import login_as
from core.snapshot import Quality
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

NOBODY = UserSession.anonymous()


def settings_for(tmp_path: Path, anonymous_role: str | None) -> Settings:
    overrides: dict[str, object] = {
        "paths": {"data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs")},
        "database": {"sqlite": {"batch_ms": 100}}, "ml": {"model_path": None},
    }
    if anonymous_role is not None:
        overrides["security"] = {"anonymous_role": anonymous_role}
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
                         overrides=overrides)


@pytest.mark.parametrize("anonymous_role", [None, "operator", "viewer"])
async def test_nobody_logged_in_follows_the_plants_choice(tmp_path: Path, register_map: RegisterMap,
                                                         anonymous_role: str | None) -> None:
    from core.engine import Engine

    settings = settings_for(tmp_path, anonymous_role)
    viewer = anonymous_role == "viewer"
    engine = Engine(settings, register_map, simulate=True)
    await engine.start()
    try:
        await wait_until(lambda: engine.latest is not None and engine.latest.quality is Quality.GOOD, "a good snapshot")
        current = engine.current(NOBODY)
        assert current is not None and current.role is (Role.VIEWER if viewer else Role.OPERATOR)
        assert engine.allowed(NOBODY, "view")
        assert engine.allowed(NOBODY, "use_preset") is not viewer

        def speeds() -> dict[str, float | None]:
            latest = engine.latest
            assert latest is not None
            return {name: latest.values.get(name) for name in ("cutting_speed", "descent_speed")}

        before = speeds()
        presets = await engine.apply_preset(NOBODY, "fast")
        mode = engine.set_mode(NOBODY, "manual", reason="test")
        acknowledged = engine.acknowledge_all_alarms(NOBODY)
        note = engine.note_band(NOBODY, "teeth fine", band_id=7)
        if viewer:
            reasons = [(r.ok, r.reason) for r in presets] + [(r.ok, r.reason) for r in (mode, acknowledged, note)]
            for ok, reason in reasons:
                assert not ok and "nobody is logged in (view only): log in first" in reason, reason
            assert engine.latest is not None
            polled = engine.latest.seq
            # A write that slipped through would show in the next polls: wait for three of them.
            await wait_until(lambda: engine.latest is not None and engine.latest.seq >= polled + 3, "three more polls")
            assert speeds() == before, "a write nobody may make reached the PLC"
            assert (await engine.write(NOBODY, "cutting_speed", 70.0)).ok is False
            # A logged-in operator does what nobody may.
            login_as(engine.access, "otto", Role.OPERATOR)
            otto = UserSession("otto", Role.OPERATOR)
            assert all(r.ok for r in await engine.apply_preset(otto, "fast")), "otto's preset"
            assert engine.set_mode(otto, "manual", reason="test").ok
            assert engine.note_band(otto, "teeth fine", band_id=7).ok
        else:
            assert presets and all(r.ok for r in presets), presets
            assert mode.ok and acknowledged.ok and note.ok, (mode, acknowledged, note)
            write = await engine.write(NOBODY, "cutting_speed", 70.0)  # an engineer's, whatever the choice
            assert not write.ok and "needs engineer" in write.reason
    finally:
        await engine.stop()
    log_db = settings.data_dir / "databases" / "log.db"
    refused = {(r.user, r.action) for r in query_audit(log_db, AuditFilter(result="refused"), limit=200)}
    accepted = {(r.user, r.action) for r in query_audit(log_db, AuditFilter(result="accepted"), limit=200)}
    if viewer:
        assert refused >= {("operator", "use_preset"), ("operator", "toggle_ml"), ("operator", "acknowledge_alarm"),
                           ("operator", "note_band"), ("operator", "write_register")}
        assert ("otto", "band_note") in accepted and ("operator", "band_note") not in accepted
    else:
        assert ("operator", "band_note") in accepted
        assert not refused & {("operator", "use_preset"), ("operator", "toggle_ml"), ("operator", "note_band")}


def test_a_bad_anonymous_role_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(Exception) as caught:
        settings_for(tmp_path, "admin")
    assert "anonymous_role" in str(caught.value) and "viewer" in str(caught.value)


def test_viewer_is_no_account_role(tmp_path: Path) -> None:
    from core.security.passwords import FAST_PARAMS
    from core.security.users import UserError, UserStore

    store = UserStore(tmp_path / "databases" / "users.db", kdf=FAST_PARAMS)
    with pytest.raises(UserError, match="use one of operator, engineer, admin"):
        store.add("vera", "viewer", "1234")
