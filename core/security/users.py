"""The users store: <data_dir>/databases/users.db, one small SQLite file of its own.

Why not log.db: log.db has one writer thread inside the running engine, while users are also
managed from the command line (another process) and read on every protected action. A
separate file with short transactions (WAL, busy timeout) serves both; and the PIN hashes stay
out of log.db's backups, exports and the PostgreSQL mirror. Each call opens its own connection,
so the store is safe from any thread or process.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from core.security.passwords import DEFAULT_PARAMS, ScryptParams, burn, hash_secret, needs_rehash, verify_secret
from core.security.permissions import ACCOUNT_ROLES, RESERVED_NAMES, Role, parse_role
from core.texts import (
    ADMIN_EXISTS,
    BAD_ROLE,
    BAD_USER_NAME,
    LAST_ADMIN_ENABLE,
    LAST_ADMIN_ROLE,
    NO_SUCH_USER,
    RESERVED_NAME,
    SECRET_SPACES,
    SECRET_TOO_SHORT,
    USER_EXISTS,
    USER_EXISTS_NOT_ADMIN,
    Text,
)

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
BUSY_TIMEOUT_MS = 5000

_MIGRATIONS = (
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,                 -- created
        name TEXT NOT NULL UNIQUE,              -- lower case, see NAME_PATTERN
        role TEXT NOT NULL CHECK (role IN ('operator', 'engineer', 'admin')),
        secret TEXT NOT NULL,                   -- scrypt$... (core.security.passwords), never the PIN
        enabled INTEGER NOT NULL DEFAULT 1,
        changed_ms INTEGER NOT NULL,            -- last change of role, secret or enabled
        failures INTEGER NOT NULL DEFAULT 0,    -- failed logins in a row
        locked_until_ms INTEGER NOT NULL DEFAULT 0
    )
    """,
    # v2: where log.db's audit trail stood at its last good check (core.security.audit_anchor)
    """
    CREATE TABLE audit_anchor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        ts_ms INTEGER NOT NULL,
        row_id INTEGER NOT NULL,
        hash TEXT NOT NULL,
        first_hash TEXT NOT NULL
    )
    """,
)


class UserError(ValueError):
    """A user operation that cannot be done, said in one line (bad name, unknown user, ...); ``text``:
    the same as a code of core.texts (None for a free text)."""

    def __init__(self, reason: str | Text) -> None:
        super().__init__(str(reason))
        self.text = reason if isinstance(reason, Text) else None


class UserStoreError(UserError):
    """users.db cannot be opened, read or written (damaged file, disk, permissions)."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    enabled: bool
    created_ms: int
    changed_ms: int
    failures: int = 0
    locked_until_ms: int = 0


class LoginOutcome(StrEnum):
    OK = "ok"  # name and secret match, enabled, not locked: failures reset
    WRONG = "wrong"  # no such name, or the secret does not match: counted
    DISABLED = "disabled"  # the secret matches but the user is disabled: counted
    LOCKED = "locked"  # locked out at the moment of the attempt: refused (a wrong secret still counts)


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    outcome: LoginOutcome
    user: User | None  # the user after the attempt (None for an unknown name)
    failures: int = 0  # failed attempts in a row after this one
    locked_until_ms: int = 0  # 0: not locked
    counted: bool = False  # this attempt added one to the failures

    @property
    def ok(self) -> bool:
        return self.outcome is LoginOutcome.OK


def check_name(name: str) -> str:
    """The stored form of a login name, or UserError saying what is allowed."""
    clean = name.strip().lower()
    if not NAME_PATTERN.match(clean):
        raise UserError(BAD_USER_NAME(name=name))
    if clean in RESERVED_NAMES:
        raise UserError(RESERVED_NAME(name=clean))
    return clean


def check_role(role: str | Role) -> Role:
    parsed = parse_role(str(role))
    if parsed is None or parsed not in ACCOUNT_ROLES:  # viewer: only nobody-logged-in is one
        raise UserError(BAD_ROLE(name=str(role), roles=", ".join(r.value for r in ACCOUNT_ROLES)))
    return parsed


class UserStore:
    def __init__(
        self,
        path: Path,
        *,
        min_secret_length: int = 4,
        kdf: ScryptParams = DEFAULT_PARAMS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.min_secret_length = min_secret_length
        self.kdf = kdf
        self._clock = clock
        self._ready = False

    # --- connection ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation; file and SQL failures come out as UserStoreError."""
        try:
            if not self._ready:
                self._create()
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise UserStoreError(f"users database {self.path}: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            yield conn
        except sqlite3.Error as exc:
            raise UserStoreError(f"users database {self.path}: {exc}") from exc
        finally:
            conn.close()

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            # Many processes may open the file at once (CLI, engine, HMI): a file already in WAL
            # at the current schema needs no write lock, so none of them can time out here.
            in_wal = conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            current = int(conn.execute("PRAGMA user_version").fetchone()[0]) == len(_MIGRATIONS)
            if in_wal and current:
                self._ready = True
                return
            if not in_wal:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version > len(_MIGRATIONS):
                    raise UserError(f"{self.path} has schema version {version}; this program knows {len(_MIGRATIONS)}")
                for number, step in enumerate(_MIGRATIONS[version:], start=version + 1):
                    conn.execute(step)
                    conn.execute(f"PRAGMA user_version = {number:d}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()
        with contextlib.suppress(OSError):  # PIN hashes: readable by the owner only
            self.path.chmod(0o600)
        self._ready = True

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # --- reading ------------------------------------------------------------------------

    def get(self, name: str) -> User | None:
        clean = name.strip().lower()
        with self._connect() as conn:
            row = conn.execute(
                "SELECT name, role, enabled, ts_ms, changed_ms, failures, locked_until_ms FROM users WHERE name = ?",
                (clean,),
            ).fetchone()
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT name, role, enabled, ts_ms, changed_ms, failures, locked_until_ms FROM users ORDER BY name"
            ).fetchall()
        return [_user(row) for row in rows]

    def check(self) -> str:
        """"" when users.db reads through (``PRAGMA quick_check``), else the problem; raises
        :class:`UserStoreError` when it cannot be opened at all."""
        with self._connect() as conn:
            results = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
        return "" if results == ["ok"] else "; ".join(results[:3])

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def has_admin(self) -> bool:
        """True when an enabled admin exists (the first-run set-up is done)."""
        with self._connect() as conn:
            row = conn.execute("SELECT 1 FROM users WHERE role = 'admin' AND enabled = 1 LIMIT 1").fetchone()
        return row is not None

    # --- changing -----------------------------------------------------------------------

    def check_secret(self, secret: str) -> None:
        if len(secret) < self.min_secret_length:
            raise UserError(SECRET_TOO_SHORT(count=self.min_secret_length))
        if secret != secret.strip() or any(ord(ch) < 32 for ch in secret):
            raise UserError(SECRET_SPACES())

    def add(self, name: str, role: str | Role, secret: str) -> User:
        clean, parsed = check_name(name), check_role(role)
        self.check_secret(secret)
        stored = hash_secret(secret, self.kdf)
        now = self._now_ms()
        with self._connect() as conn:
            try:
                conn.execute(
                    "INSERT INTO users (ts_ms, name, role, secret, enabled, changed_ms) VALUES (?, ?, ?, ?, 1, ?)",
                    (now, clean, parsed.value, stored, now),
                )
            except sqlite3.IntegrityError:
                raise UserError(USER_EXISTS(name=clean)) from None
        return User(clean, parsed, True, now, now)

    def add_first_admin(self, name: str, secret: str) -> User:
        """Add an admin only while no enabled admin exists (first run; atomic against a race)."""
        clean = check_name(name)
        self.check_secret(secret)
        stored = hash_secret(secret, self.kdf)
        now = self._now_ms()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("SELECT 1 FROM users WHERE role = 'admin' AND enabled = 1").fetchone():
                    raise UserError(ADMIN_EXISTS())
                conn.execute(
                    "INSERT INTO users (ts_ms, name, role, secret, enabled, changed_ms)"
                    " VALUES (?, ?, 'admin', ?, 1, ?)",
                    (now, clean, stored, now),
                )
                conn.execute("COMMIT")
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK")
                raise UserError(USER_EXISTS_NOT_ADMIN(name=clean)) from None
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return User(clean, Role.ADMIN, True, now, now)

    def set_secret(self, name: str, secret: str) -> User:
        self.check_secret(secret)
        return self._update(name, "secret = ?, failures = 0, locked_until_ms = 0", (hash_secret(secret, self.kdf),))

    def set_enabled(self, name: str, enabled: bool) -> User:
        user = self._require(name)
        if not enabled and user.role is Role.ADMIN and user.enabled:
            with self._connect() as conn:
                others = conn.execute(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND enabled = 1 AND name != ?", (user.name,)
                ).fetchone()[0]
            if not others:
                raise UserError(LAST_ADMIN_ENABLE(name=user.name))
        return self._update(name, "enabled = ?, failures = 0, locked_until_ms = 0", (1 if enabled else 0,))

    def set_role(self, name: str, role: str | Role) -> User:
        """Change a role; the last enabled admin keeps admin (someone must manage users)."""
        user, parsed = self._require(name), check_role(role)
        if user.role is Role.ADMIN and parsed is not Role.ADMIN and user.enabled:
            with self._connect() as conn:
                others = conn.execute(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND enabled = 1 AND name != ?", (user.name,)
                ).fetchone()[0]
            if not others:
                raise UserError(LAST_ADMIN_ROLE(name=user.name))
        return self._update(name, "role = ?", (parsed.value,))

    def _require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise UserError(NO_SUCH_USER(name=name.strip().lower()))
        return user

    def _update(self, name: str, assignments: str, values: tuple[object, ...]) -> User:
        user = self._require(name)
        with self._connect() as conn:
            conn.execute(
                f"UPDATE users SET {assignments}, changed_ms = ? WHERE name = ?", (*values, self._now_ms(), user.name)
            )
        updated = self.get(user.name)
        assert updated is not None
        return updated

    # --- logging in ---------------------------------------------------------------------

    def verify(self, name: str, secret: str) -> User | None:
        """The user when name and secret match (enabled or not; the caller decides); else None.

        An unknown name costs the same time as a wrong secret. An old-parameter hash is
        re-hashed with the current parameters on success.
        """
        clean = name.strip().lower()
        with self._connect() as conn:
            row = conn.execute("SELECT secret FROM users WHERE name = ?", (clean,)).fetchone()
        if row is None:
            burn(secret, self.kdf)
            return None
        if not verify_secret(secret, row[0]):
            return None
        if needs_rehash(row[0], self.kdf):
            with self._connect() as conn:
                conn.execute("UPDATE users SET secret = ? WHERE name = ?", (hash_secret(secret, self.kdf), clean))
        return self.get(clean)

    def attempt_login(self, name: str, secret: str, lockout_s: Callable[[int], float]) -> LoginAttempt:
        """One login attempt, decided and counted in ONE transaction (BEGIN IMMEDIATE).

        The slow scrypt check runs first, outside the transaction; then, under the write lock,
        the lock-out is read as it is *now*, the outcome decided and the counter written. So
        concurrent attempts (threads or processes) serialise on the counter: none is lost, and
        a right secret never gets in while the name is locked, whatever came in between.
        Every wrong secret counts, during a lock-out too (each extends it); a right secret
        during a lock-out is refused and not counted.
        """
        clean = name.strip().lower()
        for _ in range(3):  # the hash changed under us (passwd in between): check the new one
            with self._connect() as conn:
                row = conn.execute("SELECT secret FROM users WHERE name = ?", (clean,)).fetchone()
            if row is None:
                burn(secret, self.kdf)
                return LoginAttempt(LoginOutcome.WRONG, None)
            checked = str(row[0])
            match = verify_secret(secret, checked)
            with self._connect() as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    attempt = self._decide_login(conn, clean, checked, match, lockout_s)
                    conn.execute("COMMIT" if attempt is not None else "ROLLBACK")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            if attempt is not None:
                if attempt.ok and needs_rehash(checked, self.kdf):
                    with self._connect() as conn:
                        conn.execute("UPDATE users SET secret = ? WHERE name = ? AND secret = ?",
                                     (hash_secret(secret, self.kdf), clean, checked))
                return attempt
        raise UserStoreError(f"users database {self.path}: {clean!r} keeps changing; try again")

    def _decide_login(
        self, conn: sqlite3.Connection, clean: str, checked: str, match: bool, lockout_s: Callable[[int], float]
    ) -> LoginAttempt | None:
        """Inside the attempt's transaction; None when the stored hash is not the one checked."""
        row = conn.execute(
            "SELECT name, role, enabled, ts_ms, changed_ms, failures, locked_until_ms, secret FROM users"
            " WHERE name = ?", (clean,),
        ).fetchone()
        if row is None:
            return LoginAttempt(LoginOutcome.WRONG, None)
        if str(row[7]) != checked:
            return None
        user = _user(row[:7])
        now = self._now_ms()
        locked = user.locked_until_ms > now
        if match and locked:
            return LoginAttempt(LoginOutcome.LOCKED, user, user.failures, user.locked_until_ms)
        if match and user.enabled:
            if user.failures or user.locked_until_ms:
                conn.execute("UPDATE users SET failures = 0, locked_until_ms = 0 WHERE name = ?", (clean,))
            return LoginAttempt(LoginOutcome.OK, _user((*row[:5], 0, 0)), 0, 0)
        failures = user.failures + 1
        delay_s = lockout_s(failures)
        until = max(user.locked_until_ms, now + int(delay_s * 1000)) if delay_s > 0 else user.locked_until_ms
        conn.execute("UPDATE users SET failures = ?, locked_until_ms = ? WHERE name = ?", (failures, until, clean))
        after = _user((*row[:5], failures, until))
        outcome = LoginOutcome.LOCKED if locked else LoginOutcome.DISABLED if match else LoginOutcome.WRONG
        return LoginAttempt(outcome, after, failures, until if until > now else 0, counted=True)

    def record_failure(self, name: str, lockout_s: Callable[[int], float]) -> tuple[int, int]:
        """Count one failed login; returns (failures in a row, locked until ms; 0 = not locked)."""
        clean = name.strip().lower()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT failures, locked_until_ms FROM users WHERE name = ?", (clean,)).fetchone()
                if row is None:
                    conn.execute("ROLLBACK")
                    return 0, 0
                failures = int(row[0]) + 1
                delay_s = lockout_s(failures)
                locked = max(int(row[1]), self._now_ms() + int(delay_s * 1000)) if delay_s > 0 else int(row[1])
                conn.execute(
                    "UPDATE users SET failures = ?, locked_until_ms = ? WHERE name = ?", (failures, locked, clean)
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return failures, locked

    def clear_failures(self, name: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE users SET failures = 0, locked_until_ms = 0"
                " WHERE name = ? AND (failures != 0 OR locked_until_ms != 0)",
                (name.strip().lower(),),
            )

    def stored_secret(self, name: str) -> str | None:
        """The stored hash (for tests and audits of the store itself; never shown to anyone)."""
        with self._connect() as conn:
            row = conn.execute("SELECT secret FROM users WHERE name = ?", (name.strip().lower(),)).fetchone()
        return None if row is None else str(row[0])


def _user(row: tuple[object, ...]) -> User:
    name, role, enabled, created, changed, failures, locked = row
    return User(
        name=str(name), role=Role(str(role)), enabled=bool(enabled), created_ms=int(created),  # type: ignore[call-overload]
        changed_ms=int(changed), failures=int(failures), locked_until_ms=int(locked),  # type: ignore[call-overload]
    )
