"""The users store: <data_dir>/databases/users.db, one small SQLite file of its own.

Why not log.db: log.db has one writer thread inside the running engine, while users are also
managed from the command line (another process) and read on every protected action. A
separate file with short transactions (WAL, busy timeout) serves both; and the PIN hashes stay
out of log.db's backups, exports and the PostgreSQL mirror. Each call opens its own connection,
so the store is safe from any thread or process.
"""

from __future__ import annotations

import builtins
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
from core.security.users_mac import UsersKeyError, key_id, matches, row_mac, seal_mac, users_key
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
    # v3: each row's HMAC (core.security.users_mac); NULL: written before rows were protected,
    # sealed once by seal_unsealed() (the engine's start) unless the trail says it was done before
    "ALTER TABLE users ADD COLUMN mac TEXT",
    # v4: the HMAC over the set of names (a deleted row fails it); a new file gets its row at once
    """
    CREATE TABLE users_seal (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        ts_ms INTEGER NOT NULL,
        restored_ms INTEGER NOT NULL DEFAULT 0,
        mac TEXT NOT NULL
    )
    """,
    # v5/v6: the audit anchor's MAC, and the seal's word that the anchor is kept (a deleted one is found)
    "ALTER TABLE audit_anchor ADD COLUMN mac TEXT",
    "ALTER TABLE users_seal ADD COLUMN anchored INTEGER NOT NULL DEFAULT 0",
    # v7: the fingerprint of the key the seal was made with (core.security.users_mac.key_id)
    "ALTER TABLE users_seal ADD COLUMN key_id TEXT",
)
# A row as the MAC covers it (core.security.users_mac.row_mac), then its MAC.
_COLUMNS = "name, role, enabled, ts_ms, changed_ms, failures, locked_until_ms, secret, mac"
_FIELDS = ("name", "role", "enabled", "ts_ms", "changed_ms", "failures", "locked_until_ms", "secret")
ROW_UNSEALED = "has no MAC (written before users.db rows were protected)"
ROW_TAMPERED = "was changed outside the program (its MAC does not match)"
SEAL_UNSEALED = "users.db is not sealed yet (written before its rows were protected)"
KEY_CHANGED = ("the installation key keys/model-signing.key changed or was lost (users.db was sealed with key "
               "{was}, the key now is {now}): put the original keys/model-signing.key back (the plant's copy of "
               "the data directory's keys/ folder; backups do not hold it); if it is lost for good, every user must "
               "be made again: move users.db aside, then 'bandsaw users init-admin NAME --accept-lost-users "
               "--despite-backup' (audited) and add the users again (models signed with the old key must be "
               "trusted again too)")


class UserError(ValueError):
    """A user operation that cannot be done, said in one line (bad name, unknown user, ...); ``text``:
    the same as a code of core.texts (None for a free text)."""

    def __init__(self, reason: str | Text) -> None:
        super().__init__(str(reason))
        self.text = reason if isinstance(reason, Text) else None


class UserStoreError(UserError):
    """users.db cannot be opened, read or written (damaged file, disk, permissions)."""


class UserTampered(UserStoreError):
    """users.db fails its MACs (rows or the set of names changed outside the program): the
    operation is refused and nothing is written (writing would re-MAC, i.e. launder, the change)."""


@dataclass(frozen=True, slots=True)
class Integrity:
    """What users.db's MACs say: ``rows`` name -> problem, ``seal`` the set of names' problem."""

    rows: dict[str, str]
    seal: str = ""
    unsealed: bool = False  # nothing carries a MAC yet (a file from before): seal_unsealed() seals it
    key: str = ""  # the installation key is not the one the seal was made with (KEY_CHANGED)

    @property
    def ok(self) -> bool:
        return not self.rows and not self.seal

    def describe(self) -> str:
        if self.key:  # every row fails because the key is another one: said once, with what to do
            return self.key
        parts = [f"{name} {why}" for name, why in sorted(self.rows.items())]
        if self.seal and not self.unsealed:
            parts.append(self.seal)
        if self.unsealed:
            parts = [self.seal]
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    enabled: bool
    created_ms: int
    changed_ms: int
    failures: int = 0
    locked_until_ms: int = 0
    problem: str = ""  # "": its MAC matches; else why the row cannot be trusted (no login, no rights)

    @property
    def intact(self) -> bool:
        return not self.problem


class LoginOutcome(StrEnum):
    OK = "ok"  # name and secret match, enabled, not locked: failures reset
    WRONG = "wrong"  # no such name, or the secret does not match: counted
    DISABLED = "disabled"  # the secret matches but the user is disabled: counted
    LOCKED = "locked"  # locked out at the moment of the attempt: refused (a wrong secret still counts)
    TAMPERED = "tampered"  # the row fails its MAC: refused, not counted (nothing is written to it)


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
        key: bytes | None = None,
    ) -> None:
        """``key``: the rows' MAC key; by default derived from the installation key of the data
        directory users.db is in (``<data_dir>/databases/users.db``, core.security.users_mac)."""
        self.path = Path(path)
        self.min_secret_length = min_secret_length
        self.kdf = kdf
        self._clock = clock
        self._key = key
        self._ready = False

    def mac_key(self) -> bytes:
        """The MAC key of this users.db (for the audit anchor it keeps)."""
        return self._mac_key()

    def seal_state(self, conn: sqlite3.Connection) -> tuple[str, bool]:
        """(the seal's problem, "" when it holds; whether it says the audit anchor is kept), on the
        caller's connection."""
        names = [str(r[0]) for r in conn.execute("SELECT name FROM users")]
        problem = self._seal_problem(conn, names)
        held = conn.execute("SELECT anchored FROM users_seal WHERE id = 1").fetchone()
        return problem, bool(held and held[0])

    def _mac_key(self) -> bytes:
        if self._key is None:
            try:
                self._key = users_key(self.path.parent.parent)
            except UsersKeyError as exc:
                raise UserStoreError(f"users database {self.path}: no key to check its rows: {exc}") from None
        return self._key

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
            key = self._mac_key()
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if version > len(_MIGRATIONS):
                    raise UserError(f"{self.path} has schema version {version}; this program knows {len(_MIGRATIONS)}")
                for number, step in enumerate(_MIGRATIONS[version:], start=version + 1):
                    conn.execute(step)
                    conn.execute(f"PRAGMA user_version = {number:d}")
                if version == 0:  # a new file is sealed from its start (an old one by seal_unsealed)
                    _write_seal(conn, key, self._now_ms(), 0)
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
            row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (clean,)).fetchone()
        return None if row is None else self._user(row)

    def list(self) -> list[User]:
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()
        return [self._user(row) for row in rows]

    def check(self) -> str:
        """"" when users.db reads through (``PRAGMA quick_check``), else the problem; raises
        :class:`UserStoreError` when it cannot be opened at all."""
        with self._connect() as conn:
            results = [str(row[0]) for row in conn.execute("PRAGMA quick_check")]
        return "" if results == ["ok"] else "; ".join(results[:3])

    def integrity(self) -> Integrity:
        """Every row's MAC and the seal over the set of names (raises :class:`UserStoreError`
        when the file or the key cannot be read)."""
        with self._connect() as conn:
            return self._integrity(conn)

    def _integrity(self, conn: sqlite3.Connection) -> Integrity:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM users").fetchall()
        problems = {str(row[0]): why for row in rows if (why := self._row_problem(row))}
        seal = self._seal_problem(conn, [str(row[0]) for row in rows])
        unsealed = seal == SEAL_UNSEALED and all(row[8] is None for row in rows)
        if unsealed:
            problems = {name: ROW_UNSEALED for name in problems}
        held = conn.execute("SELECT key_id FROM users_seal WHERE id = 1").fetchone()
        now = key_id(self._mac_key())
        if held and held[0] and held[0] != now and (problems or seal):
            key = KEY_CHANGED.format(was=held[0], now=now)
            return Integrity({name: key for name in problems}, key, False, key)
        return Integrity(problems, seal, unsealed)

    def _row_problem(self, row: tuple[object, ...]) -> str:
        if row[8] is None:
            return ROW_UNSEALED
        return "" if matches(row_mac(self._mac_key(), row[:8]), row[8]) else ROW_TAMPERED

    def _seal_problem(self, conn: sqlite3.Connection, names: builtins.list[str]) -> str:
        seal = conn.execute("SELECT restored_ms, mac, anchored FROM users_seal WHERE id = 1").fetchone()
        if seal is None:
            return SEAL_UNSEALED
        if not matches(seal_mac(self._mac_key(), names, int(seal[0]), bool(seal[2])), seal[1]):
            return "the set of users was changed outside the program (a row deleted or added: the seal does not match)"
        return ""

    def note_key(self) -> None:
        """A seal from before key fingerprints (v6) gets the present key's, once its MACs passed."""
        with self._connect() as conn:
            conn.execute("UPDATE users_seal SET key_id = ? WHERE id = 1 AND key_id IS NULL", (key_id(self._mac_key()),))

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def has_admin(self) -> bool:
        """True when an enabled admin exists (the first-run set-up is done) - and whenever the MACs
        fail: a file changed outside the program (admins deleted or disabled by hand) never counts
        as "no admin yet", which would let anyone create one."""
        with self._connect() as conn:
            if not self._integrity(conn).ok:
                return True
            row = conn.execute("SELECT 1 FROM users WHERE role = 'admin' AND enabled = 1 LIMIT 1").fetchone()
        return row is not None

    def seal_unsealed(self) -> builtins.list[str]:
        """Give a file from before row protection its MACs (every row and the seal); the names
        sealed, [] when it is sealed already. Raises :class:`UserTampered` when some rows carry a
        MAC but the seal is gone (not a file from before: the seal was removed). Whether sealing
        is right at all (the trail may say it was done before) is the caller's decision
        (core.security.access.AccessControl.seal_unsealed)."""
        key = self._mac_key()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                integrity = self._integrity(conn)
                if not integrity.unsealed:
                    conn.execute("ROLLBACK")
                    if integrity.seal == SEAL_UNSEALED:
                        raise UserTampered(f"users database {self.path}: its seal was removed while rows carry MACs")
                    return []
                rows = conn.execute(f"SELECT {_COLUMNS} FROM users").fetchall()
                for row in rows:
                    conn.execute("UPDATE users SET mac = ? WHERE name = ?", (row_mac(key, row[:8]), row[0]))
                _write_seal(conn, key, self._now_ms(), 0, [str(row[0]) for row in rows])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return sorted(str(row[0]) for row in rows)

    def restored_ms(self) -> int:
        """When an admin last put a backup's users.db in place (0: never): the audit trail's user
        changes before it are not this file's (core.security.access.AccessControl.stale_users)."""
        with self._connect() as conn:
            row = conn.execute("SELECT restored_ms FROM users_seal WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def stamp_restored(self, now_ms: int) -> None:
        """This file was just restored from a backup by an admin: the seal says so (MAC'd). Only a
        file that passes every MAC is stamped (:class:`UserTampered` otherwise)."""
        key = self._mac_key()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                integrity = self._integrity(conn)
                if not integrity.ok:
                    raise UserTampered(f"users database {self.path}: {integrity.describe()}")
                names = [str(r[0]) for r in conn.execute("SELECT name FROM users")]
                _write_seal(conn, key, now_ms, now_ms, names)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # --- changing -----------------------------------------------------------------------

    def check_secret(self, secret: str) -> None:
        if len(secret) < self.min_secret_length:
            raise UserError(SECRET_TOO_SHORT(count=self.min_secret_length))
        if secret != secret.strip() or any(ord(ch) < 32 for ch in secret):
            raise UserError(SECRET_SPACES())

    def add(self, name: str, role: str | Role, secret: str) -> User:
        clean, parsed = check_name(name), check_role(role)
        self.check_secret(secret)
        return self._insert(clean, parsed, hash_secret(secret, self.kdf), first_admin=False)

    def add_first_admin(self, name: str, secret: str) -> User:
        """Add an admin only while no enabled admin exists (first run; atomic against a race) and
        users.db passes its MACs (admins removed by hand do not make a first run)."""
        clean = check_name(name)
        self.check_secret(secret)
        return self._insert(clean, Role.ADMIN, hash_secret(secret, self.kdf), first_admin=True)

    def _insert(self, clean: str, role: Role, stored: str, *, first_admin: bool) -> User:
        """One new row with its MAC, and the seal over the names with it, in one transaction;
        refused when the seal (or, for a first admin, any row) fails: adding would re-seal it."""
        key = self._mac_key()
        now = self._now_ms()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                integrity = self._integrity(conn)
                if integrity.seal or (first_admin and not integrity.ok):
                    raise UserTampered(f"users database {self.path}: {integrity.describe()}")
                if first_admin and conn.execute("SELECT 1 FROM users WHERE role = 'admin' AND enabled = 1").fetchone():
                    raise UserError(ADMIN_EXISTS())
                row = (clean, role.value, 1, now, now, 0, 0, stored)
                try:
                    conn.execute(
                        "INSERT INTO users (name, role, enabled, ts_ms, changed_ms, failures, locked_until_ms, secret,"
                        " mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, row_mac(key, row)),
                    )
                except sqlite3.IntegrityError:
                    raise UserError((USER_EXISTS_NOT_ADMIN if first_admin else USER_EXISTS)(name=clean)) from None
                restored = conn.execute("SELECT restored_ms FROM users_seal WHERE id = 1").fetchone()
                names = [str(r[0]) for r in conn.execute("SELECT name FROM users")]
                _write_seal(conn, key, now, int(restored[0]) if restored else 0, names)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return User(clean, role, True, now, now)

    def set_secret(self, name: str, secret: str) -> User:
        self.check_secret(secret)
        return self._update(name, {"secret": hash_secret(secret, self.kdf), "failures": 0, "locked_until_ms": 0})

    def set_enabled(self, name: str, enabled: bool) -> User:
        user = self._require(name)
        if not enabled and user.role is Role.ADMIN and user.enabled:
            with self._connect() as conn:
                others = conn.execute(
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND enabled = 1 AND name != ?", (user.name,)
                ).fetchone()[0]
            if not others:
                raise UserError(LAST_ADMIN_ENABLE(name=user.name))
        return self._update(name, {"enabled": 1 if enabled else 0, "failures": 0, "locked_until_ms": 0})

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
        return self._update(name, {"role": parsed.value})

    def _require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise UserError(NO_SUCH_USER(name=name.strip().lower()))
        return user

    def _update(self, name: str, changes: dict[str, object]) -> User:
        """An admin's change (role, secret, enabled): ``changed_ms`` is now; refused on a row that
        fails its MAC (:class:`UserTampered`): re-MACing it would make the forged values genuine."""
        user = self._require(name)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                found = self._rewrite(conn, user.name, {**changes, "changed_ms": self._now_ms()}, strict=True)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        if found is None:
            raise UserError(NO_SUCH_USER(name=user.name))
        return found

    def _rewrite(self, conn: sqlite3.Connection, clean: str, changes: dict[str, object], *,
                 strict: bool) -> User | None:
        """Inside a transaction: set ``changes`` on the row and its new MAC. A row whose MAC fails
        is never rewritten: :class:`UserTampered` when ``strict``, else left as it is (returned)."""
        row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (clean,)).fetchone()
        if row is None:
            return None
        problem = self._row_problem(row)
        if problem:
            if strict:
                raise UserTampered(f"users database {self.path}: user {clean} {problem}")
            return self._user(row)
        values = dict(zip(_FIELDS, row[:8], strict=True)) | changes
        new = tuple(values[field] for field in _FIELDS)
        conn.execute(
            "UPDATE users SET role = ?, enabled = ?, changed_ms = ?, failures = ?, locked_until_ms = ?, secret = ?,"
            " mac = ? WHERE name = ?",
            (values["role"], values["enabled"], values["changed_ms"], values["failures"], values["locked_until_ms"],
             values["secret"], row_mac(self._mac_key(), new), clean),
        )
        return _user(new)

    def _rewrite_now(self, clean: str, changes: dict[str, object], *, unless_secret: str | None = None) -> None:
        """:meth:`_rewrite` in a transaction of its own (a re-hash, counters); ``unless_secret``:
        only while the stored hash is still that one. A row failing its MAC stays untouched."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if unless_secret is not None:
                    row = conn.execute("SELECT secret FROM users WHERE name = ?", (clean,)).fetchone()
                    if row is None or str(row[0]) != unless_secret:
                        conn.execute("ROLLBACK")
                        return
                self._rewrite(conn, clean, changes, strict=False)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # --- logging in ---------------------------------------------------------------------

    def verify(self, name: str, secret: str) -> User | None:
        """The user when name and secret match (enabled or not; the caller decides) and the row
        passes its MAC; else None.

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
        user = self.get(clean)
        if user is None or not user.intact:
            return None
        if needs_rehash(row[0], self.kdf):
            self._rewrite_now(clean, {"secret": hash_secret(secret, self.kdf)}, unless_secret=str(row[0]))
        return self.get(clean)

    def attempt_login(self, name: str, secret: str, lockout_s: Callable[[int], float]) -> LoginAttempt:
        """One login attempt, decided and counted in ONE transaction (BEGIN IMMEDIATE).

        The slow scrypt check runs first, outside the transaction; then, under the write lock,
        the lock-out is read as it is *now*, the outcome decided and the counter written. So
        concurrent attempts (threads or processes) serialise on the counter: none is lost, and
        a right secret never gets in while the name is locked, whatever came in between.
        Every wrong secret counts, during a lock-out too (each extends it); a right secret
        during a lock-out is refused and not counted. A row that fails its MAC is refused
        (TAMPERED) whatever the secret, and nothing is written to it.
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
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            if attempt is not None:
                if attempt.ok and needs_rehash(checked, self.kdf):
                    self._rewrite_now(clean, {"secret": hash_secret(secret, self.kdf)}, unless_secret=checked)
                return attempt
        raise UserStoreError(f"users database {self.path}: {clean!r} keeps changing; try again")

    def _decide_login(
        self, conn: sqlite3.Connection, clean: str, checked: str, match: bool, lockout_s: Callable[[int], float]
    ) -> LoginAttempt | None:
        """Inside the attempt's transaction; None when the stored hash is not the one checked."""
        row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (clean,)).fetchone()
        if row is None:
            return LoginAttempt(LoginOutcome.WRONG, None)
        if str(row[7]) != checked:
            return None
        user = self._user(row)
        if not user.intact:
            return LoginAttempt(LoginOutcome.TAMPERED, user, user.failures, 0)
        now = self._now_ms()
        locked = user.locked_until_ms > now
        if match and locked:
            return LoginAttempt(LoginOutcome.LOCKED, user, user.failures, user.locked_until_ms)
        if match and user.enabled:
            if user.failures or user.locked_until_ms:
                self._rewrite(conn, clean, {"failures": 0, "locked_until_ms": 0}, strict=True)
            return LoginAttempt(LoginOutcome.OK, _user((*row[:5], 0, 0, row[7])), 0, 0)
        failures = user.failures + 1
        delay_s = lockout_s(failures)
        until = max(user.locked_until_ms, now + int(delay_s * 1000)) if delay_s > 0 else user.locked_until_ms
        self._rewrite(conn, clean, {"failures": failures, "locked_until_ms": until}, strict=True)
        after = _user((*row[:5], failures, until, row[7]))
        outcome = LoginOutcome.LOCKED if locked else LoginOutcome.DISABLED if match else LoginOutcome.WRONG
        return LoginAttempt(outcome, after, failures, until if until > now else 0, counted=True)

    def record_failure(self, name: str, lockout_s: Callable[[int], float]) -> tuple[int, int]:
        """Count one failed login; returns (failures in a row, locked until ms; 0 = not locked).
        A row that fails its MAC is not written (its stored figures are returned)."""
        clean = name.strip().lower()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (clean,)).fetchone()
                if row is None:
                    conn.execute("ROLLBACK")
                    return 0, 0
                failures = int(row[5]) + 1
                delay_s = lockout_s(failures)
                locked = max(int(row[6]), self._now_ms() + int(delay_s * 1000)) if delay_s > 0 else int(row[6])
                after = self._rewrite(conn, clean, {"failures": failures, "locked_until_ms": locked}, strict=False)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        assert after is not None
        return after.failures, after.locked_until_ms

    def clear_failures(self, name: str) -> None:
        clean = name.strip().lower()
        user = self.get(clean)
        if user is not None and (user.failures or user.locked_until_ms):
            self._rewrite_now(clean, {"failures": 0, "locked_until_ms": 0})

    def stored_secret(self, name: str) -> str | None:
        """The stored hash (for tests and audits of the store itself; never shown to anyone)."""
        with self._connect() as conn:
            row = conn.execute("SELECT secret FROM users WHERE name = ?", (name.strip().lower(),)).fetchone()
        return None if row is None else str(row[0])

    def _user(self, row: tuple[object, ...]) -> User:
        """A stored row (``_COLUMNS``) as a User, with its MAC's verdict."""
        user = _user(row[:8])
        problem = self._row_problem(row)
        return user if not problem else User(user.name, user.role, user.enabled, user.created_ms, user.changed_ms,
                                             user.failures, user.locked_until_ms, problem)


def _write_seal(conn: sqlite3.Connection, key: bytes, now_ms: int, restored_ms: int,
                names: list[str] | None = None, *, anchored: bool | None = None) -> None:
    """The seal over ``names`` (none: a new file), inside the caller's transaction; ``anchored``
    None keeps what the seal said."""
    if anchored is None:
        held = conn.execute("SELECT anchored FROM users_seal WHERE id = 1").fetchone()
        anchored = bool(held and held[0])
    mac = seal_mac(key, names or [], restored_ms, anchored)
    conn.execute(
        "INSERT INTO users_seal (id, ts_ms, restored_ms, mac, anchored, key_id) VALUES (1, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET ts_ms = excluded.ts_ms, restored_ms = excluded.restored_ms,"
        " mac = excluded.mac, anchored = excluded.anchored, key_id = excluded.key_id",
        (now_ms, restored_ms, mac, 1 if anchored else 0, key_id(key)),
    )


def write_seal(conn: sqlite3.Connection, key: bytes, now_ms: int, *, anchored: bool) -> None:
    """Re-seal with ``anchored`` (core.security.audit_anchor), names and restore time as they are;
    inside the caller's transaction, after it checked the seal."""
    restored = conn.execute("SELECT restored_ms FROM users_seal WHERE id = 1").fetchone()
    names = [str(r[0]) for r in conn.execute("SELECT name FROM users")]
    _write_seal(conn, key, now_ms, int(restored[0]) if restored else 0, names, anchored=anchored)


def _user(row: tuple[object, ...]) -> User:
    """``(name, role, enabled, ts_ms, changed_ms, failures, locked_until_ms[, secret])`` as a User."""
    name, role, enabled, created, changed, failures, locked = row[:7]
    return User(
        name=str(name), role=Role(str(role)), enabled=bool(enabled), created_ms=int(created),  # type: ignore[call-overload]
        changed_ms=int(changed), failures=int(failures), locked_until_ms=int(locked),  # type: ignore[call-overload]
    )
