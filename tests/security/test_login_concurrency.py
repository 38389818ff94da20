"""Login under concurrency: 60 attempts at once (59 wrong, 1 right), from threads and processes.

Every attempt is decided and counted in one users.db transaction (BEGIN IMMEDIATE), so:
no success while the name is locked, and the failure counter loses no update. The right PIN may
get in only before the lock-out (fewer than ``lockout_after_failures`` failures counted before
it); it then resets the counter, and the failures after it count from 1 again.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from pathlib import Path

import pytest

import core.security.users as users_module
from core.security.access import AccessControl, LoginFailed
from core.security.audit import AuditRecord
from core.security.passwords import FAST_PARAMS
from core.security.settings import SecuritySettings
from core.security.users import LoginAttempt, LoginOutcome, UserStore

ATTEMPTS = 60
RIGHT = "2222"
SECURITY = SecuritySettings(lockout_after_failures=3, lockout_delay_s=30, lockout_max_delay_s=120)


def _pins(right_at: int) -> list[str]:
    return [RIGHT if i == right_at else f"{9000 + i}" for i in range(ATTEMPTS)]


def _check_counts(counted: list[int], successes: int, final_failures: int) -> None:
    """``counted``: the failure number each counted attempt was given (its place in the queue)."""
    threshold = SECURITY.lockout_after_failures
    assert successes <= 1
    assert len(counted) == ATTEMPTS - 1  # every wrong PIN counted, none lost
    seen = Counter(counted)
    if successes == 0:
        assert sorted(counted) == list(range(1, ATTEMPTS))  # 1..59, each once: no lost update
        assert final_failures == ATTEMPTS - 1
        return
    # One success: it reset the counter; the failures before it are 1..a, after it 1..b.
    b = final_failures
    a = ATTEMPTS - 1 - b
    assert a < threshold, f"the right PIN got in after {a} failures: the name was locked"
    assert seen == Counter([*range(1, a + 1), *range(1, b + 1)])


def _store(path: Path) -> UserStore:
    return UserStore(path, kdf=FAST_PARAMS)


def _one_attempt(path: str, pin: str, start: threading.Barrier) -> LoginAttempt:
    start.wait()
    return _store(Path(path)).attempt_login("erin", pin, SECURITY.lockout_s)


@pytest.mark.parametrize("right_at", [0, 1, 30, 59])
def test_sixty_threads_at_once(tmp_path: Path, right_at: int) -> None:
    path = tmp_path / "users.db"
    _store(path).add("erin", "engineer", RIGHT)
    pins = _pins(right_at)
    start = threading.Barrier(ATTEMPTS)
    results: list[LoginAttempt | BaseException] = [RuntimeError("not run")] * ATTEMPTS

    def run(i: int) -> None:
        try:
            results[i] = _one_attempt(str(path), pins[i], start)
        except BaseException as exc:  # reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"login-{i}") for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    attempts = [r for r in results if isinstance(r, LoginAttempt)]
    assert len(attempts) == ATTEMPTS, [r for r in results if not isinstance(r, LoginAttempt)]
    ok = [a for a in attempts if a.ok]
    right = attempts[right_at]
    assert right.outcome in (LoginOutcome.OK, LoginOutcome.LOCKED) and not right.counted
    final = _store(path).get("erin")
    assert final is not None
    _check_counts([a.failures for a in attempts if a.counted], len(ok), final.failures)
    if not ok:
        assert final.locked_until_ms > 0


def _process_attempt(path: str, pin: str, start: object, out: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    attempt = _store(Path(path)).attempt_login("erin", pin, SECURITY.lockout_s)
    out.put((pin, attempt.outcome.value, attempt.failures, attempt.counted))  # type: ignore[attr-defined]


@pytest.mark.slow
def test_sixty_processes_at_once(tmp_path: Path) -> None:
    """Separate processes (separate SQLite connections and GILs), as CLI and engine would be."""
    path = tmp_path / "users.db"
    _store(path).add("erin", "engineer", RIGHT)
    context = multiprocessing.get_context("fork")
    start, out = context.Barrier(ATTEMPTS), context.Queue()
    pins = _pins(17)
    processes = [context.Process(target=_process_attempt, args=(str(path), pin, start, out)) for pin in pins]
    for process in processes:
        process.start()
    rows = [out.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    outcomes = Counter(outcome for _, outcome, _, _ in rows)
    assert outcomes["ok"] <= 1
    right = next(row for row in rows if row[0] == RIGHT)
    assert right[1] in ("ok", "locked") and not right[3]
    final = _store(path).get("erin")
    assert final is not None
    _check_counts([failures for _, _, failures, counted in rows if counted], outcomes["ok"], final.failures)


def test_the_right_pin_checked_before_the_lock_is_refused_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the issue found, made certain: the right PIN's (slow) check starts before three
    wrong attempts lock the name and ends after; the decision is taken on the lock as it is then."""
    path = tmp_path / "users.db"
    _store(path).add("erin", "engineer", RIGHT)
    checked, release = threading.Event(), threading.Event()
    real_verify = users_module.verify_secret

    def slow_for_the_right_pin(secret: str, stored: str) -> bool:
        result = real_verify(secret, stored)
        if secret == RIGHT:
            checked.set()
            assert release.wait(30)
        return result

    monkeypatch.setattr(users_module, "verify_secret", slow_for_the_right_pin)
    outcome: list[LoginAttempt] = []
    right = threading.Thread(
        target=lambda: outcome.append(_store(path).attempt_login("erin", RIGHT, SECURITY.lockout_s))
    )
    right.start()
    assert checked.wait(30)
    wrong = [_store(path).attempt_login("erin", "0000", SECURITY.lockout_s) for _ in range(3)]
    assert [w.failures for w in wrong] == [1, 2, 3] and wrong[-1].locked_until_ms > 0
    release.set()
    right.join(30)
    assert outcome[0].outcome is LoginOutcome.LOCKED and not outcome[0].counted
    final = _store(path).get("erin")
    assert final is not None and final.failures == 3


def test_sixty_logins_through_access_control(tmp_path: Path) -> None:
    """The engine's path (AccessControl.login from many threads): audited once per attempt."""
    store = _store(tmp_path / "users.db")
    store.add("erin", "engineer", RIGHT)
    records: list[AuditRecord] = []
    access = AccessControl(store, security=SECURITY, audit=records.append)
    pins = _pins(40)
    start = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = [""] * ATTEMPTS

    def run(i: int) -> None:
        start.wait()
        try:
            access.login("erin", pins[i])
            outcomes[i] = "ok"
        except LoginFailed as exc:
            outcomes[i] = "locked" if exc.retry_after_s > 0 else "wrong"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(outcomes) and outcomes.count("ok") <= 1
    assert len([r for r in records if r.action in ("login", "login_failed")]) == ATTEMPTS
    final = store.get("erin")
    assert final is not None
    if outcomes.count("ok") == 0:
        assert final.failures == ATTEMPTS - 1
    access.close()
