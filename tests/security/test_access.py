"""AccessControl: each role against each protected action, sessions, lock-out, inactivity, audit."""

from __future__ import annotations

import logging

import pytest
from security_helpers import ADMIN_ACTIONS, EXPECTED, FakeClock

from core.security.access import AccessControl, LoginFailed, PermissionDenied
from core.security.audit import AuditRecord, AuditResult
from core.security.permissions import Role
from core.security.users import UserError, UserStore

ROLE_OF = {"otto": Role.OPERATOR, "erin": Role.ENGINEER, "alice": Role.ADMIN}


@pytest.mark.parametrize("name", sorted(ROLE_OF))
@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_authorize_each_role_against_each_action(
    access: AccessControl, people: dict[str, str], name: str, action: str
) -> None:
    access.login(name, people[name])
    if action in EXPECTED[ROLE_OF[name]]:
        access.authorize(name, action)
    else:
        with pytest.raises(PermissionDenied, match="needs"):
            access.authorize(name, action)
    assert access.allowed(name, action) is (action in EXPECTED[ROLE_OF[name]])


@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_nobody_logged_in_acts_as_operator(access: AccessControl, action: str) -> None:
    assert access.allowed("operator", action) is (action in EXPECTED[Role.OPERATOR])


@pytest.mark.parametrize("actor", ["system", "ml"])
@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_internal_actors_only_write_registers(access: AccessControl, actor: str, action: str) -> None:
    if action == "write_register":
        access.authorize(actor, action)
    else:
        with pytest.raises(PermissionDenied):
            access.authorize(actor, action)


def test_a_name_without_a_session_is_refused_and_the_refusal_audited(
    access: AccessControl, people: dict[str, str], audit_records: list[AuditRecord]
) -> None:
    with pytest.raises(PermissionDenied, match="not logged in"):
        access.authorize("erin", "write_register", target="cutting_speed")
    with pytest.raises(PermissionDenied, match="unknown action"):
        access.authorize("erin", "format_disk")
    refusal = audit_records[-2]
    assert (refusal.user, refusal.action, refusal.target, refusal.result) == (
        "erin", "write_register", "cutting_speed", AuditResult.REFUSED)


def test_disabling_a_logged_in_user_ends_their_rights(access: AccessControl, people: dict[str, str]) -> None:
    access.login("alice", "1111")
    access.login("erin", "2222")
    access.set_enabled("alice", "erin", False)
    assert access.session("erin") is None
    with pytest.raises(PermissionDenied):
        access.authorize("erin", "write_register")
    with pytest.raises(LoginFailed, match="Wrong name or PIN"):
        access.login("erin", "2222")
    access.set_enabled("alice", "erin", True)
    access.login("erin", "2222")
    access.authorize("erin", "write_register")


def test_user_management_needs_an_admin(access: AccessControl, people: dict[str, str]) -> None:
    access.login("erin", "2222")
    with pytest.raises(PermissionDenied):
        access.add_user("erin", "newbie", "operator", "5555")
    with pytest.raises(PermissionDenied):
        access.set_secret("erin", "otto", "9999")
    access.set_secret("erin", "erin", "2223")  # one's own PIN, while logged in
    access.login("alice", "1111")
    access.add_user("alice", "newbie", "engineer", "5555")
    access.set_secret("alice", "otto", "9999")
    with pytest.raises(UserError, match="last enabled admin"):
        access.set_enabled("alice", "alice", False)
    assert access.store.verify("otto", "9999") is not None


def test_first_admin_only_once(access: AccessControl) -> None:
    assert access.needs_first_admin()
    assert access.allowed("operator", "view") and not access.allowed("operator", "write_register")
    access.create_first_admin("boss", "8888")
    assert not access.needs_first_admin()
    with pytest.raises(UserError, match="exists already"):
        access.create_first_admin("boss2", "8888")


def test_lockout_after_repeated_failures_with_a_growing_delay(
    access: AccessControl, people: dict[str, str], clock: FakeClock, audit_records: list[AuditRecord]
) -> None:
    for _ in range(2):
        with pytest.raises(LoginFailed) as wrong:
            access.login("erin", "0000")
        assert wrong.value.retry_after_s == 0
    with pytest.raises(LoginFailed) as third:
        access.login("erin", "0000")
    assert third.value.retry_after_s == pytest.approx(30)
    with pytest.raises(LoginFailed, match="try again in 30 s"):
        access.login("erin", "2222")  # the right PIN does not help while locked
    clock.advance(29)
    with pytest.raises(LoginFailed):
        access.login("erin", "2222")
    clock.advance(1.5)
    with pytest.raises(LoginFailed) as fourth:
        access.login("erin", "0000")  # one more failure: the delay doubles
    assert fourth.value.retry_after_s == pytest.approx(60)
    clock.advance(61)
    with pytest.raises(LoginFailed) as fifth:
        access.login("erin", "0000")
    assert fifth.value.retry_after_s == pytest.approx(120)  # capped at lockout_max_delay_s
    clock.advance(121)
    with pytest.raises(LoginFailed) as sixth:
        access.login("erin", "0000")
    assert sixth.value.retry_after_s == pytest.approx(120)
    clock.advance(121)
    access.login("erin", "2222")
    stored = access.store.get("erin")
    assert stored is not None and stored.failures == 0 and stored.locked_until_ms == 0
    failed = [r for r in audit_records if r.action == "login_failed"]
    assert len(failed) == 8 and all(r.user == "erin" and r.result is AuditResult.REFUSED for r in failed)
    assert "locked for 30 s" in failed[2].detail


def test_lockout_survives_a_restart(access: AccessControl, people: dict[str, str], clock: FakeClock) -> None:
    for _ in range(3):
        with pytest.raises(LoginFailed):
            access.login("otto", "0000")
    again = AccessControl(access.store, security=access.security, clock=clock.time, monotonic=clock.monotonic)
    with pytest.raises(LoginFailed, match="try again"):
        again.login("otto", "3333")


def test_unknown_names_lock_out_too_and_pins_typed_as_names_are_not_logged(
    access: AccessControl, audit_records: list[AuditRecord], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        with pytest.raises(LoginFailed):
            access.login("ghost", "1234")
    with pytest.raises(LoginFailed, match="try again"):
        access.login("ghost", "1234")
    with pytest.raises(LoginFailed):
        access.login("987654", "1234")
    assert audit_records[-1].user == "?"
    assert "987654" not in caplog.text and "1234" not in caplog.text
    assert all("1234" not in f"{r.detail}{r.old_value}{r.new_value}" for r in audit_records)


def test_inactivity_logs_out_to_operator(
    access: AccessControl, people: dict[str, str], clock: FakeClock, audit_records: list[AuditRecord]
) -> None:
    events: list[tuple[str, str]] = []
    access.subscribe(lambda user, event: events.append((user, event)))
    access.login("erin", "2222")
    clock.advance(200)
    assert access.expire_idle() == []
    access.touch("erin")  # the user tapped the screen
    clock.advance(299)
    assert access.expire_idle() == []
    access.authorize("erin", "write_register")  # an action counts as activity too
    clock.advance(299)
    assert access.idle_s("erin") == pytest.approx(299)
    clock.advance(1)
    assert access.expire_idle() == ["erin"]
    assert access.session("erin") is None and access.role_of("erin") is None
    assert events == [("erin", "login"), ("erin", "logout")]
    assert audit_records[-1].action == "logout" and "inactivity" in audit_records[-1].detail
    with pytest.raises(PermissionDenied, match="not logged in"):
        access.authorize("erin", "write_register")


def test_idle_session_is_refused_even_before_the_timer_runs(
    access: AccessControl, people: dict[str, str], clock: FakeClock
) -> None:
    access.login("alice", "1111")
    clock.advance(301)
    with pytest.raises(PermissionDenied, match="not logged in"):
        access.authorize("alice", "manage_users")


def test_login_logout_audited_without_secrets(
    access: AccessControl, people: dict[str, str], audit_records: list[AuditRecord], clock: FakeClock
) -> None:
    access.login("otto", "3333")
    access.logout("otto")
    with pytest.raises(LoginFailed):
        access.login("otto", "3334")
    access.login("alice", "1111")
    access.close()
    kinds = [(r.user, r.action, r.result) for r in audit_records if r.action in ("login", "logout", "login_failed")]
    assert kinds == [
        ("otto", "login", AuditResult.ACCEPTED), ("otto", "logout", AuditResult.ACCEPTED),
        ("otto", "login_failed", AuditResult.REFUSED), ("alice", "login", AuditResult.ACCEPTED),
        ("alice", "logout", AuditResult.ACCEPTED),
    ]
    assert all(r.ts_ms == int(clock.wall * 1000) for r in audit_records)
    for record in audit_records:
        text = f"{record.describe()}"
        assert not any(pin in text for pin in ("1111", "3333", "3334"))


async def test_login_async_checks_off_the_loop_and_audits_on_it(
    access: AccessControl, people: dict[str, str], audit_records: list[AuditRecord]
) -> None:
    import threading

    loop_thread = threading.get_ident()
    threads: list[int] = []
    access.trail._sink = lambda record: threads.append(threading.get_ident())
    session = await access.login_async("erin", "2222")
    assert session.role is Role.ENGINEER and access.allowed("erin", "write_register")
    with pytest.raises(LoginFailed):
        await access.login_async("erin", "0000")
    assert threads and set(threads) == {loop_thread}


def test_login_as_for_tests_and_demos(access: AccessControl) -> None:
    from core.security.testing import login_as

    assert login_as(access, "boss", Role.ADMIN) == "boss" and not access.needs_first_admin()
    assert login_as(access, "tester") == "tester"
    access.authorize("tester", "write_register")
    with pytest.raises(PermissionDenied):
        access.authorize("tester", "manage_users")
    assert login_as(access, "tester") == "tester"  # again: a fresh PIN, a fresh session


def test_a_damaged_users_database_refuses_with_an_alarm(
    access: AccessControl, people: dict[str, str], clock: FakeClock
) -> None:
    from core.analysis.alarms import AlarmManager
    from core.security.access import ALARM_USERS_DB

    alarms = AlarmManager(clock=clock.time)
    access.alarms = alarms
    access.login("erin", people["erin"])
    path = access.store.path
    saved = path.read_bytes()
    for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        side.unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(PermissionDenied, match="Users database unusable"):
        access.authorize("erin", "write_register")
    with pytest.raises(LoginFailed, match="Users database unusable"):
        access.login("alice", people["alice"])
    with pytest.raises(UserError):
        access.store.add("newbie", "operator", "1234")
    assert [a.key for a in alarms.active()] == [ALARM_USERS_DB]
    access.authorize("operator", "use_preset")  # the operator's screen keeps working
    path.write_bytes(saved)
    access.login("alice", people["alice"])
    assert [a.condition for a in alarms.active()] == [False]  # cleared; waits for acknowledgement (ISA-18.2)


async def test_allowed_answers_from_memory_and_refresh_brings_users_db_changes(
    access: AccessControl, people: dict[str, str], clock: FakeClock
) -> None:
    """A screen asks ``allowed`` as it paints (on its GUI thread): never a users.db read there.
    Roles changed and users disabled elsewhere (the command line) reach it through
    ``refresh_sessions`` (read in a worker thread), and every command still checks users.db."""
    import threading

    access.login("erin", people["erin"])
    access.login("otto", people["otto"])
    reads: list[int] = []
    real_get = access.store.get

    def counted(name: str):  # type: ignore[no-untyped-def]
        reads.append(threading.get_ident())
        return real_get(name)

    access.store.get = counted  # type: ignore[method-assign]
    assert access.allowed("erin", "write_register") and not access.allowed("erin", "manage_users")
    assert access.allowed("operator", "view") and not access.allowed("nobody", "view")
    assert not access.allowed("erin", "format_disk")
    assert reads == []  # answered from the session in memory

    other = UserStore(access.store.path, kdf=access.store.kdf)  # the command line: another connection
    other.set_role("erin", Role.ADMIN)
    other.set_enabled("otto", False)
    assert access.allowed("otto", "view")  # not known yet ...
    with pytest.raises(PermissionDenied):  # ... but a command reads users.db
        access.authorize("otto", "view")
    assert await access.refresh_sessions() == []  # otto is already logged out by the command's check
    assert reads and threading.get_ident() not in reads[-1:]  # the refresh read users.db in a worker
    assert access.allowed("erin", "manage_users")  # the new role, from memory
    other.set_enabled("erin", False)
    assert await access.refresh_sessions() == ["erin"]
    assert not access.allowed("erin", "view") and access.session("erin") is None
    clock.advance(access.inactivity_logout_s + 1)
    access.login("alice", people["alice"])
    clock.advance(access.inactivity_logout_s)
    assert not access.allowed("alice", "view")  # idle past the limit: no rights, even before expire_idle
