"""core.texts: what core tells people comes as a code with parameters, the English kept for logs.

Every code reads back from its English (the audit trail and alarm texts keep English); the
log-in, the access control and the user store answer with codes; a Result carries them.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import pytest

import core
from core.api import Result
from core.security.access import AccessControl, LoginFailed, PermissionDenied
from core.security.audit import AuditRecord
from core.security.users import UserError
from core.texts import (
    LOCKED_OUT,
    NEEDS_ROLE,
    TEMPLATES,
    WRONG_NAME_OR_PIN,
    Text,
    coded,
    english,
    parse,
    placeholders,
)
from core.values import WriteResult


def _sample(name: str, spec: str, i: int) -> Any:
    if name == "unit":
        return " mm/min"
    if name.endswith("_ms"):
        return 1_764_000_000_000 + i * 1000
    if spec.endswith("d"):
        return 7 + i
    if spec:
        return 12.5 + i
    return f"word{i} two"


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_every_code_reads_back_from_its_english(code: str) -> None:
    """A code whose English another template also fits (or that does not read back) would be shown
    as the wrong text where core keeps only the English (log.db's audit details, alarm texts)."""
    params = {name: _sample(name, spec, i) for i, (name, spec) in enumerate(placeholders(TEMPLATES[code]))}
    text = english(code, params)
    back = parse(text)
    assert back is not None and back.code == code, f"{text!r} reads back as {back!r}"
    assert english(back.code, back.params) == text


def test_a_code_takes_exactly_its_parameters() -> None:
    assert str(LOCKED_OUT(seconds=42.4)) == "Too many failed attempts: try again in 42 s"
    with pytest.raises(TypeError):
        LOCKED_OUT(second=1)


def test_a_result_carries_the_code_and_keeps_the_english() -> None:
    refused: Result[None] = Result.refused(NEEDS_ROLE(permission="write_register", need_role="engineer",
                                                      user="otto", role="operator"))
    assert refused.reason == "write_register needs engineer rights; otto is operator"
    assert refused.code == "access.needs_role" and refused.params["role"] == "operator"
    assert refused.text == Text("access.needs_role", refused.params)
    passed_on: Result[None] = Result.refused("no replay is running")  # a catalogued wording as a string
    assert passed_on.code == "replay.none"
    free: Result[None] = Result.refused("disk I/O error")
    assert (free.code, free.reason, free.text) == ("", "disk I/O error", None)
    write = WriteResult.refused("descent_speed", 30.0, "the engine is not running")
    assert (write.ok, write.code, write.reason) == (False, "engine.not_running", "the engine is not running")
    assert coded(UserError(WRONG_NAME_OR_PIN()))[1] == WRONG_NAME_OR_PIN()


def test_login_answers_and_refusals_are_coded(access: AccessControl, people: dict[str, str],
                                              audit_records: list[AuditRecord]) -> None:
    with pytest.raises(LoginFailed) as wrong:
        access.login("otto", "9999")
    assert wrong.value.text == WRONG_NAME_OR_PIN() and wrong.value.reason == "Wrong name or PIN"
    for _ in range(2):
        with pytest.raises(LoginFailed) as locked:
            access.login("otto", "9999")
    assert locked.value.text is not None and locked.value.text.code == "login.locked"
    assert locked.value.text.params["seconds"] == pytest.approx(30)
    # the trail keeps English, part by part readable as codes
    details = [record.detail for record in audit_records if record.action == "login_failed"]
    assert details[-1] == "wrong name or PIN; 3 in a row; locked for 30 s"
    assert [parse(part).code for part in details[-1].split("; ")] == [  # type: ignore[union-attr]
        "audit.wrong", "audit.in_a_row", "audit.locked_for"]
    access.login("erin", people["erin"])
    with pytest.raises(PermissionDenied) as denied:
        access.authorize("erin", "manage_users", target="ali")
    assert denied.value.text == NEEDS_ROLE(permission="manage_users", need_role="admin", user="erin",
                                          role="engineer")
    with pytest.raises(UserError) as exists:
        access.store.add("erin", "operator", "4444")
    assert exists.value.text is not None and exists.value.text.code == "users.exists"


def test_the_engine_sessions_answer_with_codes(settings: Any, register_map: Any) -> None:
    from core.testing.standin_engine import StandInEngine

    engine = StandInEngine(settings, register_map)
    engine.access.create_first_admin("alice", "1357", by="test")
    result = asyncio.run(engine.login("alice", "0000"))
    assert (result.ok, result.code, result.reason) == (False, "login.wrong", "Wrong name or PIN")


# Reasons built from parts whose wording is a text of its own (the scan fills each part with "x"):
# "not tunable while running: x" / "no such setting: x", a library's "TypeName: message", one per
# query ("cannot read the audit trail: x"), times that read back only as times (replay.backwards).
BUILT_FROM_PARTS = {"x: x", "cannot read the x: x", "the period ends (x) before it starts (x)"}
RAISED_WITH = {"refused": -1, "_failed": -1, "_replay_failed": -1, "PermissionDenied": 0, "LoginFailed": 0,
               "UserError": 0, "ReplayRefused": 0, "ReplayReadError": 0, "refuse": 0}


def _filled(node: ast.expr) -> list[str]:
    """A reason's literal wording with each formatted part filled in three ways ("x", "1", "'x'")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if not isinstance(node, ast.JoinedStr):
        return []
    return ["".join(str(v.value) if isinstance(v, ast.Constant) else
                    "'x'" if isinstance(v, ast.FormattedValue) and v.conversion == ord("r") else fill
                    for v in node.values) for fill in ("x", "1", "'x'")]


def _reads(text: str) -> bool:
    """Read back whole, or each "; "-joined part (a part that is a formatted value passes)."""
    return parse(text) is not None or ("; " in text and all(
        part in ("x", "1", "'x'") or parse(part) is not None for part in text.split("; ")))


def test_every_refusal_core_words_is_a_text_of_core_texts() -> None:
    """Every literal reason core hands to a refusal (Result/WriteResult.refused, the engine's _failed,
    PermissionDenied, LoginFailed, UserError, the replay's and the Writer's refusals) reads back as a
    code: a new refusal in English only fails here until core.texts has it (and so its Turkish)."""
    root = Path(core.__file__).parent
    unknown = []
    for path in sorted(root.rglob("*.py")):
        if "testing" in path.parts or path.name.endswith("cli.py"):
            continue  # the stand-in's own refusals; the command line prints English
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            position = RAISED_WITH.get(name)
            if position is None:
                continue
            texts = _filled(node.args[position])
            if texts and texts[0] not in BUILT_FROM_PARTS and not any(_reads(text) for text in texts):
                unknown.append(f"{path.relative_to(root.parent)}:{node.lineno}: {texts[0]!r}")
    assert unknown == [], "add these wordings to core/texts.py (then tools/core_texts.py, make translations)"
