"""Tamper evidence for users.db: an HMAC-SHA256 on each user row and one on the set of names.

``sqlite3 users.db "update users set role='admin' where name='op'"`` must not make an operator an
admin. Each row carries ``mac``: HMAC-SHA256 over its name, role, enabled flag, PIN hash (the
scrypt string holds the salt and parameters), created and changed times, failure counter and
lock-out. The name is inside the MAC, so swapping two rows' contents or copying one row's MAC to
another fails; every field a login or a permission depends on is covered. ``users_seal`` (one
row) carries an HMAC over the sorted names and the time of the last admin-authorised restore of
users.db: a deleted row (for example every admin, to make ``users init-admin`` work again) fails
the seal.

The key is not a second secret: it is derived from the installation's key that already signs
models (:mod:`core.ml.signing`, ``<data_dir>/keys/model-signing.key``, 0600) with its own label,
so a row MAC can never pass as a model signature or the other way round. Who can read that key
can forge rows: the protection is against whoever can write the databases (a copy edited
elsewhere, a share, a backup folder, a sqlite3 shell on ``databases/``) without the key.
An old copy of users.db made by this installation carries valid MACs: that is for the ledger
(core.storage.ledger, "replaced"/"rewound") and the audit trail to show.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

ROW_LABEL = b"bandsaw users.db rows v1"
MAC_PREFIX = "hmac-sha256:"


class UsersKeyError(Exception):
    """The installation key cannot be read or created (the reason, and what to do)."""


def users_key(data_dir: Path) -> bytes:
    """The users.db MAC key of the installation under ``data_dir`` (created with the signing key)."""
    return installation_subkey(data_dir, ROW_LABEL)


def installation_subkey(data_dir: Path, label: bytes) -> bytes:
    """HMAC(installation key, ``label``): one key per use, none usable for another."""
    from core.ml.signing import SigningKeyError, load_key  # the one key of the installation

    try:
        secret = load_key(Path(data_dir)).secret
    except SigningKeyError as exc:
        raise UsersKeyError(str(exc)) from None
    return hmac.new(secret, label, hashlib.sha256).digest()


def text_mac(key: bytes, *parts: object) -> str:
    """MAC of a few values (an acceptance: what, who, when)."""
    return MAC_PREFIX + _mac(key, [str(part) for part in parts])


def row_mac(key: bytes, row: tuple[object, ...]) -> str:
    """MAC of ``(name, role, enabled, ts_ms, changed_ms, failures, locked_until_ms, secret)``."""
    name, role, enabled, created, changed, failures, locked, secret = row
    body = ["row", str(name), str(role), 1 if enabled else 0, int(created), int(changed),  # type: ignore[call-overload]
            int(failures), int(locked), str(secret)]  # type: ignore[call-overload]
    return MAC_PREFIX + _mac(key, body)


def seal_mac(key: bytes, names: list[str], restored_ms: int, anchored: bool = False) -> str:
    """MAC of the set of user names (sorted), the time of the last authorised users restore and
    whether the audit anchor (core.security.audit_anchor) is kept with a MAC (then it must be there)."""
    return MAC_PREFIX + _mac(key, ["seal", sorted(names), int(restored_ms), 1 if anchored else 0])


def anchor_mac(key: bytes, row_id: int, row_hash: str, first_hash: str, ts_ms: int) -> str:
    """MAC of the audit anchor: where log.db's trail stood at its last good check."""
    return MAC_PREFIX + _mac(key, ["anchor", int(row_id), str(row_hash), str(first_hash), int(ts_ms)])


def key_id(key: bytes) -> str:
    """A short fingerprint of the key (kept beside the seal, in clear): a key that changed or was
    lost is then said as such, not as every row "changed outside the program"."""
    return hmac.new(key, b"bandsaw key id v1", hashlib.sha256).hexdigest()[:16]


def matches(expected: str, stored: object) -> bool:
    return isinstance(stored, str) and hmac.compare_digest(expected, stored)


def _mac(key: bytes, body: list[object]) -> str:
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return hmac.new(key, data, hashlib.sha256).hexdigest()
