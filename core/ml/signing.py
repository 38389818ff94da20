"""Who vouches for a model: the installation's signing key, and the models shipped with the code.

A model manifest is trusted when it carries an HMAC-SHA256 signature made with this
installation's key (``<data_dir>/keys/model-signing.key``, 32 random bytes, created on first
need with mode 0600, readable only by the user the engine runs as), or when it is one of the
models shipped with this version of the program (:data:`SHIPPED_MANIFESTS` pins the digest of
each shipped manifest, and the manifest pins its model file's sha256). A fresh install therefore
trusts its packaged default model without a key and without writing into the installed code;
anything else must be signed here: by ``bandsaw ml train`` (what it trains) or by an admin with
``bandsaw ml trust FILE``.

The signature covers the manifest's canonical JSON without its ``signature`` field: feature
names and their order, the training envelope, library versions and the model file's sha256.
Swapping two features or pointing the manifest at another file breaks it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_FILE = Path("keys") / "model-signing.key"
KEY_BYTES = 32
ALGORITHM = "hmac-sha256"

# sha256 of the canonical manifest of each model shipped in data/models (see canonical()).
# Retraining a shipped model means updating its pin here: tests/ml/test_signing.py checks it.
SHIPPED_MANIFESTS: dict[str, str] = {
    "default": "2047c6ac0730fe00fe84363cbb654f25508833689c1bad3cc201f22cac88c0b4",
}


class SigningKeyError(Exception):
    """The installation key cannot be read or created; the message says why and what to do."""


def canonical(manifest: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the manifest without ``signature``, keys sorted, no spaces."""
    body = {key: value for key, value in manifest.items() if key != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def manifest_digest(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(manifest)).hexdigest()


def shipped_name(manifest: dict[str, Any]) -> str | None:
    """The shipped model this manifest is, byte for byte (its canonical form), or None."""
    digest = manifest_digest(manifest)
    for name, pinned in SHIPPED_MANIFESTS.items():
        if hmac.compare_digest(digest, pinned):
            return name
    return None


@dataclass(frozen=True, slots=True)
class ModelKey:
    secret: bytes
    path: Path | None = None

    @property
    def key_id(self) -> str:
        """A short public name for the key (never the key): which installation signed."""
        return hashlib.sha256(b"bandsaw-model-key:" + self.secret).hexdigest()[:16]

    def sign(self, manifest: dict[str, Any]) -> dict[str, str]:
        value = hmac.new(self.secret, canonical(manifest), hashlib.sha256).hexdigest()
        return {"alg": ALGORITHM, "key_id": self.key_id, "value": value}

    def verify(self, manifest: dict[str, Any]) -> str:
        """"" when ``manifest`` carries this key's valid signature, else why not (one line)."""
        signature = manifest.get("signature")
        if not isinstance(signature, dict) or not signature.get("value"):
            return "not signed"
        if signature.get("alg") != ALGORITHM:
            return f"signature algorithm {signature.get('alg')!r} is not {ALGORITHM}"
        expected = hmac.new(self.secret, canonical(manifest), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(signature.get("value"))):
            if signature.get("key_id") != self.key_id:
                return f"signed by another installation's key ({signature.get('key_id')!r})"
            return "signature does not match the manifest (changed after signing)"
        return ""


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE


def load_key(data_dir: Path, *, create: bool = True) -> ModelKey:
    """The installation's key; created (0600) on first need when ``create``."""
    path = key_path(data_dir)
    if not path.exists():
        if not create:
            raise SigningKeyError(f"{path}: no model signing key in this installation")
        _create(path)
    try:
        info = path.stat()
        if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SigningKeyError(
                f"{path}: the model signing key is open to other users (mode {stat.S_IMODE(info.st_mode):o}); "
                f"run 'chmod 600 {path}' and re-sign models with 'bandsaw ml trust'"
            )
        secret = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the model signing key: {exc.strerror or exc}") from None
    if len(secret) != KEY_BYTES:
        raise SigningKeyError(f"{path}: the model signing key is damaged ({len(secret)} bytes, expected {KEY_BYTES})")
    return ModelKey(secret, path)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot create the model signing key: {exc.strerror or exc}") from None
    try:
        os.write(fd, secrets.token_bytes(KEY_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)  # umask cannot widen it, but a pre-set ACL might
