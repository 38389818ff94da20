"""core.queries.ml_journal: the 'changes only' read keeps every action that changed the saw or the mode."""

from __future__ import annotations

from pathlib import Path

from core.control.journal import DecisionRow
from core.queries.ml_journal import CHANGE_ACTIONS, read_journal
from core.storage.sqlite_open import database_path
from core.testing.standin_engine import SqliteJournal

# What the controller journals (core/control: _record/_write) that changes a speed or the mode, or refuses to.
CHANGES = ("write", "guard", "ceiling", "override", "stopped", "fault", "restore", "restore_abandoned", "refused")
ROUTINE = ("wait", "hold", "model", "restore_held", "previous_run")


def test_changes_only_keeps_overrides_and_every_change(tmp_path: Path) -> None:
    """Review: an operator's override (ml.db action 'override') was left out of the filter."""
    journal = SqliteJournal(database_path(tmp_path, "ml"))
    for seq, action in enumerate((*CHANGES, *ROUTINE), start=1):
        journal.decision(DecisionRow(1_000 + seq, "ml", action, f"{action} row", seq=seq, model="default"))
    read = read_journal(tmp_path, changes_only=True)
    assert read.error == ""
    assert sorted(r.action for r in read.decisions) == sorted(CHANGES)
    assert set(CHANGE_ACTIONS) == set(CHANGES)
    assert len(read_journal(tmp_path).decisions) == len(CHANGES) + len(ROUTINE)
    journal.close()
