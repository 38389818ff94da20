"""PIN and password hashing with scrypt (memory-hard), and constant-time verification.

Stored form: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``. The parameters travel with each
hash, so raising them later re-hashes users at their next login without breaking old ones.
Defaults: n = 2**14, r = 8, p = 1 (16 MiB of memory and roughly 50-150 ms per try on a saw
PC), 16-byte random salt per user, 32-byte key. A secret is never logged or stored in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

SCHEME = "scrypt"
SALT_BYTES = 16
KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class ScryptParams:
    log2_n: int = 14  # CPU/memory cost: n = 2**log2_n
    r: int = 8  # block size; memory = 128 * r * n bytes
    p: int = 1  # parallelism

    @property
    def memory_bytes(self) -> int:
        return 128 * self.r * (1 << self.log2_n)


DEFAULT_PARAMS = ScryptParams()
# For tests only: the same code path at a fraction of the cost.
FAST_PARAMS = ScryptParams(log2_n=8, r=8, p=1)


class HashFormatError(ValueError):
    """A stored hash this program cannot read (corrupted or from an unknown scheme)."""


def _derive(secret: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=1 << params.log2_n, r=params.r, p=params.p,
        maxmem=params.memory_bytes * 2 + (1 << 20), dklen=KEY_BYTES,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str, params: ScryptParams = DEFAULT_PARAMS, *, salt: bytes | None = None) -> str:
    """The stored form of ``secret`` with a fresh random salt."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    key = _derive(secret, salt, params)
    return f"{SCHEME}${params.log2_n}${params.r}${params.p}${_b64(salt)}${_b64(key)}"


def parse(stored: str) -> tuple[ScryptParams, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise HashFormatError("not a scrypt hash")
    try:
        params = ScryptParams(int(parts[1]), int(parts[2]), int(parts[3]))
        salt, key = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError as exc:
        raise HashFormatError(f"unreadable scrypt hash: {exc}") from None
    if not (1 <= params.log2_n <= 22 and 1 <= params.r <= 64 and 1 <= params.p <= 16) or not salt or not key:
        raise HashFormatError("scrypt parameters out of range")
    return params, salt, key


def verify_secret(secret: str, stored: str) -> bool:
    """True when ``secret`` matches; the comparison takes the same time wherever they differ."""
    try:
        params, salt, key = parse(stored)
    except HashFormatError:
        return False
    return hmac.compare_digest(_derive(secret, salt, params), key)


def needs_rehash(stored: str, params: ScryptParams = DEFAULT_PARAMS) -> bool:
    try:
        return parse(stored)[0] != params
    except HashFormatError:
        return True


def burn(secret: str, params: ScryptParams = DEFAULT_PARAMS) -> None:
    """Spend the time of one verification: an unknown name costs as much as a wrong PIN."""
    _derive(secret, b"\0" * SALT_BYTES, params)
