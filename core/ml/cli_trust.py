"""`bandsaw ml trust FILE`: show the model, check an admin's name and PIN, sign it.

Exit codes: 0 signed, 1 refused (wrong credentials, not an admin, unsound model), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from core.config import Settings
from core.ml.artefact import ModelRefused
from core.ml.signing import SigningKeyError, load_key
from core.ml.trust import inspect_model, trust_model
from core.security.access import AccessControl, LoginFailed
from core.security.audit import AuditRecord, AuditResult
from core.security.permissions import Role
from core.security.users import UserStoreError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _line(prompt: str, *, secret: bool) -> str:
    """From the terminal, or the next line of a piped stdin (never from argv)."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt) if secret else input(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def run_trust(args: argparse.Namespace, settings: Settings) -> int:
    def fail(message: str) -> int:
        print(f"bandsaw ml trust: {message}", file=sys.stderr)
        return EXIT_FAILURE

    try:
        candidate = inspect_model(args.model)
    except ModelRefused as exc:
        return fail(str(exc))
    for line in candidate.describe():
        print(line)
    records: list[AuditRecord] = []
    try:
        access = AccessControl.from_settings(settings, audit=records.append)
    except UserStoreError as exc:
        return fail(str(exc))
    if access.needs_first_admin():
        return fail("no admin exists yet: create one with 'bandsaw users init-admin' first")
    name = args.admin if args.admin is not None else _line("admin name: ", secret=False)
    pin = _line(f"PIN/password of {name}: ", secret=True)
    if not name or not pin:
        print("bandsaw ml trust: an admin name and PIN are needed", file=sys.stderr)
        return EXIT_USAGE
    try:
        try:
            session = access.login(name, pin)
        except LoginFailed as exc:
            return fail(f"not signed: {exc.reason}")
        target = candidate.manifest_path.name
        if session.role is not Role.ADMIN:
            access.trail.record(session.user, "model_trust", target, result=AuditResult.REFUSED,
                                detail=f"role {session.role.value} is not admin")
            return fail(f"not signed: {session.user} is {session.role.value}, an admin must trust a model")
        try:
            key = load_key(settings.data_dir)
            manifest = trust_model(candidate, key)
        except (ModelRefused, SigningKeyError, OSError) as exc:
            access.trail.record(session.user, "model_trust", target, result=AuditResult.FAILED, detail=str(exc))
            return fail(str(exc))
        detail = f"sha256 {candidate.sha256}; features {', '.join(candidate.features)}"
        if candidate.legacy:
            detail += "; legacy pickle converted to skops"
        access.trail.record(session.user, "model_trust", target, new=key.key_id, detail=detail)
        access.logout(session.user, reason="ml trust done")
        print(f"signed with this installation's key {key.key_id}: {manifest}")
        return EXIT_OK
    finally:
        _flush(settings, records)


def _flush(settings: Settings, records: list[AuditRecord]) -> None:
    if not records:
        return
    from core.security.audit_query import append_audit
    from core.storage.sqlite_open import database_path, open_writer

    path = database_path(settings.data_dir, "log")
    try:
        if not path.exists():
            conn, _ = open_writer("log", path, settings.database.sqlite.synchronous)
            conn.close()
        append_audit(path, records)
    except Exception as exc:  # the model is signed (or refused); say loudly the audit row is missing
        print(f"bandsaw ml trust: the audit trail could not be written: {exc}", file=sys.stderr)
