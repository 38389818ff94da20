"""scrypt hashes: not the PIN, salted per user, constant-time verify, parameters carried along."""

from __future__ import annotations

import sqlite3

import pytest

from core.security.passwords import DEFAULT_PARAMS, FAST_PARAMS, hash_secret, needs_rehash, parse, verify_secret
from core.security.users import UserError, UserStore


def test_default_parameters_are_memory_hard() -> None:
    stored = hash_secret("1234")  # the real cost, once
    params, salt, key = parse(stored)
    assert params == DEFAULT_PARAMS and params.memory_bytes >= 16 * 1024 * 1024
    assert len(salt) == 16 and len(key) == 32
    assert verify_secret("1234", stored) and not verify_secret("1235", stored)


def test_hashes_are_not_the_pin_and_differ_per_user(store: UserStore) -> None:
    store.add("anna", "operator", "4711")
    store.add("bert", "operator", "4711")
    a, b = store.stored_secret("anna"), store.stored_secret("bert")
    assert a is not None and b is not None
    assert a != b and "4711" not in a and "4711" not in b
    raw = store.path.read_bytes()
    assert b"4711" not in raw
    with sqlite3.connect(store.path) as conn:
        dumped = "\n".join(conn.iterdump())
    assert "4711" not in dumped


def test_verify_and_rehash(store: UserStore) -> None:
    store.add("anna", "engineer", "123456")
    assert store.verify("anna", "123456") is not None
    assert store.verify("ANNA", "123456") is not None  # names are case-insensitive
    assert store.verify("anna", "12345") is None
    assert store.verify("nobody", "123456") is None
    old = store.stored_secret("anna")
    assert old is not None and not needs_rehash(old, FAST_PARAMS)
    stronger = UserStore(store.path, kdf=type(FAST_PARAMS)(log2_n=9))
    assert stronger.verify("anna", "123456") is not None
    assert stronger.stored_secret("anna") != old and parse(stronger.stored_secret("anna") or "")[0].log2_n == 9


def test_corrupt_hash_never_verifies() -> None:
    for stored in ("", "plain1234", "scrypt$14$8$1$!!$!!", "scrypt$99$8$1$AAAA$AAAA"):
        assert not verify_secret("1234", stored)


@pytest.mark.parametrize("secret", ["123", " 1234", "12\x0034"])
def test_weak_or_odd_secrets_are_refused(store: UserStore, secret: str) -> None:
    with pytest.raises(UserError):
        store.add("anna", "operator", secret)


@pytest.mark.parametrize("name", ["a", "1abc", "bad name", "operator", "system", "ml", "x" * 40])
def test_bad_or_reserved_names_are_refused(store: UserStore, name: str) -> None:
    with pytest.raises(UserError):
        store.add(name, "operator", "1234")
