"""A missing audit trail or ledger beside databases that hold recorded data: deleted, not new.

The hash chain and the anchor find a trail that was changed; they cannot find one that is gone
together with its anchor (log.db, users.db and databases/ledger.json deleted while the engine
was stopped): the engine would start as on a first install ("audit trail intact: 0 rows") and
``users init-admin`` would work for anyone. A first install has no recorded data either, so:
data in raw/total/ml/anomaly.db (an AUTOINCREMENT counter above 0) with log.db or ledger.json
missing is a loss, not a start. (users.db missing while the ledger remembers it is the
ledger's "vanished" check.)

The finding is kept twice, because the engine creates log.db and the ledger as it starts (after
which the files alone no longer show it): in ``databases/audit-missing.json`` and, once log.db is
open, as an ``audit_missing`` row of the new trail (:func:`record_finding`; a command-line process
that opens the trail does the same first, :func:`note_in_cli`, so its own row cannot make a
deleted trail look "intact"). Deleting the marker
therefore hides nothing: the finding is re-derived from the trail, whose rows cannot be removed
without breaking the hash chain. While it stands the engine raises the critical
``security.audit_tampered`` alarm at every check, ``bandsaw audit verify`` exits 1 and ``users
init-admin`` refuses.

It is lifted only by an acceptance: ``bandsaw audit accept-missing --reason TEXT`` (an admin's name
and PIN) or, when no admin exists any more, ``users init-admin --accept-lost-trail`` (an
installer). Either appends an ``audit_loss_accepted`` row naming the finding (``row:<id>`` of the
``audit_missing`` row, or ``found:<ms>`` of a marker the engine has not recorded yet) with an
HMAC under the installation key (core.security.users_mac): a marker edited to say "accepted", or
a row appended to the trail by hand, accepts nothing. An acceptance made before the engine's
next start covers that start (the marker says so, and the trail must hold the same acceptance).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from core.security.audit import AuditResult
from core.security.trail_facts import acceptances, first_row, newest_finding
from core.security.users_mac import UsersKeyError, installation_subkey, matches, text_mac

log = logging.getLogger("bandsaw.security")

ACCEPT_LABEL = b"bandsaw audit-loss acceptance v1"
ACCEPTED_ACTION = "audit_loss_accepted"
FINDING_ACTION = "audit_missing"
_SIGNED = re.compile(r"\[((?:row|found):\d+) (hmac-sha256:[0-9a-f]{64})\]$")

MARKER_NAME = "audit-missing.json"
RECORDING = ("raw", "total", "ml", "anomaly")  # databases whose rows are recorded data
GUARDED = ("log.db", "ledger.json")  # written at every engine start: missing beside data = deleted


def find_loss(databases: Path) -> str:
    """What is missing beside recorded data under ``databases``; "" when nothing is."""
    held = [db for db in RECORDING if _holds_rows(databases / f"{db}.db")]
    if not held:
        return ""
    gone = [name for name in GUARDED if not (databases / name).exists()]
    if not gone:
        return ""
    return (f"{' and '.join(gone)} missing while {', '.join(f'{db}.db' for db in held)} hold recorded data: "
            f"the audit trail or the engine's ledger was deleted; {ACT}")


ACT = ("a restore does not bring them back: keep the files as evidence, then an admin accepts the loss with "
       "'bandsaw audit accept-missing --reason TEXT' (no admin left: 'bandsaw users init-admin NAME "
       "--accept-lost-trail')")


def trail_younger_than_data(databases: Path) -> str:
    """Recorded data beside an audit trail that cannot vouch for what happened before it: none or
    empty, or one that was found missing once (its ``audit_missing`` / ``audit_loss_accepted``
    rows: made again after a deletion). "" otherwise, and when no recorded data exists."""
    held = [db for db in RECORDING if _holds_rows(databases / f"{db}.db")]
    if not held:
        return ""
    log_db = databases / "log.db"
    began = _count_rows(log_db, f"SELECT MIN(id) FROM audit WHERE action IN ('{FINDING_ACTION}', '{ACCEPTED_ACTION}')")
    if began:
        return f"the audit trail was found missing once (row {began}): it does not remember what happened before"
    if _count_rows(log_db, "SELECT COUNT(*) FROM audit"):
        return ""
    return (f"the audit trail (log.db) is {'empty' if log_db.exists() else 'missing'} while "
            f"{', '.join(f'{db}.db' for db in held)} hold recorded data")


def standing_loss(databases: Path) -> str:
    """The finding that stands (not yet accepted), else a loss the files show now; "" when none.
    Marker first; without one, the trail's newest ``audit_missing`` row with no valid acceptance."""
    marker = _read(databases)
    if marker is not None:
        if not marker.get("accepted_by"):
            return str(marker.get("detail", "audit trail missing"))
        if _marker_accepted(databases, marker):
            return ""
        return (f"{marker.get('detail', 'audit trail missing')} (the acceptance in {MARKER_NAME} is not one this "
                "installation made: no matching signed audit_loss_accepted row)")
    found = find_loss(databases)
    if found:
        return found
    return _from_trail(databases)


def note_at_start(databases: Path) -> str:
    """At the engine's start, before its files are opened (and created): keep a loss found; an
    accepted one is consumed (this start is the one it covers). Returns the standing loss."""
    marker = _read(databases)
    if marker is not None and marker.get("accepted_by"):
        if _marker_accepted(databases, marker):
            (databases / MARKER_NAME).unlink(missing_ok=True)
            log.warning("audit trail loss accepted by %s: %s", marker.get("accepted_by"), marker.get("detail", ""))
            return ""
        return standing_loss(databases)
    if marker is not None:
        return str(marker.get("detail", "audit trail missing"))
    found = find_loss(databases)
    if found:
        _write(databases, {"detail": found, "found_ms": int(time.time() * 1000)})
        log.critical("audit trail missing: %s", found)
        return found
    return _from_trail(databases)


def note_in_cli(databases: Path) -> str:
    """A command-line process before it opens (and may create) log.db: a loss the files show is
    kept in the marker as at the engine's start, so the trail the command creates does not hide
    it. Returns the unaccepted finding ("" when none, or when an acceptance is under way: the
    marker's acceptance is the engine's start to consume, never this command's)."""
    marker = _read(databases)
    if marker is not None:
        return "" if marker.get("accepted_by") else str(marker.get("detail", "audit trail missing"))
    found = find_loss(databases)
    if found:
        _write(databases, {"detail": found, "found_ms": int(time.time() * 1000)})
        log.critical("audit trail missing: %s", found)
        return found
    return ""


def record_finding(trail: Any, databases: Path, lost: str) -> None:
    """Once log.db is open: the standing finding as an ``audit_missing`` row of the trail (``trail``:
    an AuditTrail), unless the trail's newest one already stands unaccepted."""
    if not lost:
        return
    newest = newest_finding(databases / "log.db")
    if newest is not None and not _trail_accepted(databases, newest[0]):
        return
    trail.record("engine", FINDING_ACTION, "log.db", result=AuditResult.FAILED, detail=lost)


def accept_loss(databases: Path, by: str) -> tuple[str, str]:
    """Accept the standing finding: (what was accepted, the text that ends the caller's
    ``audit_loss_accepted`` row: the finding's reference and the MAC); ("", "") when nothing
    stands. Before the engine's next start the marker says it too (that start is covered)."""
    text = standing_loss(databases)
    if not text:
        return "", ""
    newest = newest_finding(databases / "log.db")
    marker = _read(databases) or {}
    if newest is not None and not _trail_accepted(databases, newest[0]):
        ref = f"row:{newest[0]}"
        text = f"{newest[1]} (audit trail row {newest[0]})"  # what is accepted: not "not accepted yet"
    else:
        found_ms = marker.get("found_ms")
        ref = f"found:{found_ms if isinstance(found_ms, int) else int(time.time() * 1000)}"
    mac = text_mac(_key(databases), ACCEPTED_ACTION, ref, by)
    if ref.startswith("found:"):  # the engine's next start must not find it again
        _write(databases, {"detail": text, "found_ms": int(ref.split(":")[1]), "accepted_by": by,
                           "accepted_ms": int(time.time() * 1000), "ref": ref, "mac": mac})
    else:  # the trail holds the finding: the acceptance row (the caller's) lifts it
        (databases / MARKER_NAME).unlink(missing_ok=True)
    return text, f"[{ref} {mac}]"


def _key(databases: Path) -> bytes:
    return installation_subkey(databases.parent, ACCEPT_LABEL)


def _signed_by(databases: Path, user: str, detail: str, ref: str) -> bool:
    """The acceptance row's detail ends with ``[ref mac]``, made with this installation's key for ``user``."""
    found = _SIGNED.search(detail)
    if found is None or found.group(1) != ref:
        return False
    try:
        return matches(text_mac(_key(databases), ACCEPTED_ACTION, ref, user), found.group(2))
    except UsersKeyError:
        return False


def _trail_accepted(databases: Path, finding_id: int) -> bool:
    ref = f"row:{finding_id}"
    return any(_signed_by(databases, user, detail, ref)
               for user, detail in acceptances(databases / "log.db", finding_id))


def _marker_accepted(databases: Path, marker: dict[str, object]) -> bool:
    """An accepted marker counts only with its MAC and the same signed acceptance in the trail."""
    ref, by = str(marker.get("ref", "")), str(marker.get("accepted_by", ""))
    try:
        if not ref or not matches(text_mac(_key(databases), ACCEPTED_ACTION, ref, by), marker.get("mac")):
            return False
    except UsersKeyError:
        return False
    return any(user == by and _signed_by(databases, user, detail, ref)
               for user, detail in acceptances(databases / "log.db"))


def _from_trail(databases: Path) -> str:
    """The trail's newest finding when no valid acceptance follows it (its marker was deleted)."""
    newest = newest_finding(databases / "log.db")
    if newest is None or _trail_accepted(databases, newest[0]):
        return ""
    return f"{newest[1]} (audit trail row {newest[0]}; not accepted yet)"


def _count_rows(path: Path, sql: str) -> int:
    row = first_row(path, sql)
    return int(row[0]) if row and row[0] else 0  # type: ignore[call-overload]


def _holds_rows(path: Path) -> bool:
    # None: no sqlite_sequence (never written) or unreadable: the storage reports that.
    row = first_row(path, "SELECT MAX(seq) FROM sqlite_sequence")
    return bool(row and row[0] and int(row[0]) > 0)  # type: ignore[call-overload]


def _read(databases: Path) -> dict[str, object] | None:
    try:
        data = json.loads((databases / MARKER_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # unreadable: it stands
        return {"detail": f"{MARKER_NAME} unreadable ({exc}): the audit trail was found missing earlier"}
    return data if isinstance(data, dict) else {"detail": "audit trail missing"}


def _write(databases: Path, data: dict[str, object]) -> None:
    databases.mkdir(parents=True, exist_ok=True)
    tmp = databases / f".{MARKER_NAME}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, databases / MARKER_NAME)
