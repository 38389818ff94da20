"""Each role at the HMI: what the users, audit, data pages and the write dialog allow (disabled or refused)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hmi_security_helpers import PINS, ROLES, Desk
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.security.audit import AuditRecord
from core.storage.logdb import LogWriter
from core.storage.sqlite_open import database_path
from hmi.dialogs.write_dialog import WriteDialog
from hmi.pages.audit import CATEGORIES, AuditPage
from hmi.pages.data import RESTORE, DataPage, permitted
from hmi.pages.users import UsersPage
from hmi.widgets.touch_file_picker import TouchFilePicker
from tests.waiting import wait_until

WHO = [*sorted(ROLES), None]  # None: nobody logged in (operator view)


@pytest.mark.parametrize("name", WHO)
def test_users_page_is_for_admins(qtbot: QtBot, desk: Desk, name: str | None) -> None:
    engine, session = desk.engine, desk.session
    role = desk.log_in(name)
    page = UsersPage(None, engine, session=session)
    qtbot.addWidget(page)
    desk.qloop.run(page.reload())  # the engine lists the users in its worker
    page.select("otto")
    assert page.edit_box.isEnabled() is (role == "admin")
    assert page.admin_note.isHidden() is (role == "admin")
    assert page.disable_button.isEnabled() is (role == "admin")
    if role != "admin":  # even called directly, the engine side refuses
        assert desk.qloop.run(page.add_user("mallory", "admin", "6666", "6666")) is False
        assert "manage users needs admin" in page.message_label.text()  # the permission by its name
        assert desk.access.store.get("mallory") is None


def test_admin_adds_disables_and_resets(qtbot: QtBot, desk: Desk) -> None:
    engine, session, audit_records = desk.engine, desk.session, desk.audit
    desk.log_in("alice")
    page = UsersPage(None, engine, session=session)
    qtbot.addWidget(page)
    run = desk.qloop.run
    run(page.reload())
    assert [u.name for u in page.users] == ["alice", "erin", "otto"]
    assert run(page.add_user("nina", "engineer", "5555", "5556")) is False and "differ" in page.message_label.text()
    assert run(page.add_user("nina", "engineer", "5555", "5555")) is True
    assert page.selected() == "nina" and page.table.rowCount() == 4
    assert run(page.set_enabled("nina", False)) is True
    page.select("nina")
    assert page.disable_button.text() == "Enable selected"
    assert run(page.reset_pin("otto", "7777", "7777")) is True
    assert desk.access.store.verify("otto", "7777") is not None
    assert run(page.set_role("otto", "engineer")) is True and "otto is now engineer" in page.message_label.text()
    assert run(page.set_enabled("alice", False)) is False and "last enabled admin" in page.message_label.text()
    assert run(page.set_role("alice", "operator")) is False and "last enabled admin" in page.message_label.text()
    actions = [(r.user, r.action, r.target, r.result.value) for r in audit_records if r.action.startswith("user_")]
    assert actions[-6:] == [("alice", "user_add", "nina", "accepted"), ("alice", "user_disable", "nina", "accepted"),
                            ("alice", "user_passwd", "otto", "accepted"), ("alice", "user_role", "otto", "accepted"),
                            ("alice", "user_disable", "alice", "refused"), ("alice", "user_role", "alice", "refused")]


@pytest.mark.parametrize("name", WHO)
def test_audit_page_export_needs_an_engineer(qtbot: QtBot, desk: Desk, name: str | None) -> None:
    engine, session = desk.engine, desk.session
    role = desk.log_in(name)
    page = AuditPage(None, engine, session=session)
    qtbot.addWidget(page)
    assert page.export_button.isEnabled() is (role in ("engineer", "admin"))
    if role == "operator":
        assert page.request_export() is None and "may not export" in page.message_label.text()


def test_audit_page_shows_filters_and_exports(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    engine, session, controller, access, qloop = desk.engine, desk.session, desk.controller, desk.access, desk.qloop
    settings = engine.settings
    writer = LogWriter.from_settings(settings, engine.alarms)
    access.trail._sink = writer.audit  # the engine's sink: log.db audit

    async def scenario() -> None:
        await writer.start()
        try:
            await controller.login("erin", PINS["erin"])
            access.trail.setting_changed("erin", "control.torque_guard.limit_pct", 85, 80)
            access.trail.record("erin", "backup", "daily/2026-11-27")
            await wait_until(lambda: writer.rows_written >= 3, "audit rows", within_s=20)
        finally:
            await writer.stop()

    qloop.run(scenario())
    page = AuditPage(None, engine, session=session)
    qtbot.addWidget(page)
    qloop.run(page.reload())  # the engine reads log.db in its worker
    actions = [row.action for row in page.model.rows]
    assert actions == ["backup", "setting", "login"]  # newest first
    assert page.model.data(page.model.index(1, 3)) == "control.torque_guard.limit_pct"
    page.category_box.setCurrentIndex([c for c, _ in CATEGORIES].index("Logins"))
    qloop.run(page.reload())
    assert [row.action for row in page.model.rows] == ["login"]
    page.category_box.setCurrentIndex(0)
    page.text_field.setText("torque")
    qloop.run(page.reload())
    assert [row.action for row in page.model.rows] == ["setting"]
    assert page.export_button.isEnabled()

    out = tmp_path / "audit.csv"

    async def export() -> int | None:
        task = page.start_export(out)
        return await task

    records: list[AuditRecord] = []
    access.trail._sink = records.append  # the writer is stopped: collect the export's own audit row
    assert qloop.run(export()) == 1
    with out.open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert [row[4] for row in table[1:]] == ["setting"]
    assert (records[-1].user, records[-1].action, records[-1].target) == ("erin", "export", f"audit -> {out}")
    assert records[-1].new_value == 1  # rows written
    assert database_path(settings.data_dir, "log").exists()


@pytest.mark.parametrize("name", WHO)
def test_write_dialog_refuses_operators(qtbot: QtBot, desk: Desk, name: str | None) -> None:
    engine, session = desk.engine, desk.session
    role = desk.log_in(name)
    dialog = WriteDialog(engine, engine.register_map["cutting_speed"], 70.0, user=session.user, kiosk=False)
    qtbot.addWidget(dialog)
    dialog.entry.setText("72")
    dialog.write_button.click()
    if role == "operator":
        assert dialog.status_text().startswith("Not permitted")
    else:
        assert dialog.status_text().startswith("Confirm")


@pytest.mark.parametrize("name", WHO)
def test_data_page_buttons_follow_the_role(qtbot: QtBot, desk: Desk, name: str | None) -> None:
    engine, session = desk.engine, desk.session
    role = desk.log_in(name)
    page = DataPage(None, engine)
    qtbot.addWidget(page)
    page.set_user(session.user)
    page.refresh()
    # Never usable: hidden, not greyed (#15.7); shown to who may, and then usable.
    assert page.backup_button.isHidden() is (role not in ("engineer", "admin"))
    assert page.export_button.isHidden() is (role not in ("engineer", "admin"))
    assert page.restore_from_button.isHidden() is (role != "admin")
    assert page.backup_button.isEnabled() and page.export_button.isEnabled()
    # The empty list points at "Back up now" only for who sees it.
    assert ("Back up now" in page.empty_hint.text()) is (role in ("engineer", "admin"))
    assert permitted(session.user, RESTORE) is (role == "admin")  # the restore button's check


def test_audit_export_asks_where_on_the_desktop_and_uses_exports_in_kiosk(qtbot: QtBot, desk: Desk) -> None:
    desk.log_in("erin")
    page = AuditPage(None, desk.engine, session=desk.session)
    qtbot.addWidget(page)
    dialog = page.request_export()
    assert dialog is not None and dialog.isVisible()  # open(): returned at once, no nested exec() loop
    dialog.reject()
    desk.session.kiosk = True
    page.mounts = lambda: []  # no USB stick: the export folder alone

    async def kiosk_export() -> None:
        picker = page.request_export()  # the touch picker, never the desktop file dialog
        assert isinstance(picker, TouchFilePicker) and picker.isVisible()
        assert picker.folder == desk.engine.settings.data_dir / "exports" and picker.name.text().startswith("audit_")
        picker.accept_choice()
        await wait_until(lambda: page.export_task is not None, "export started", within_s=5)
        await wait_until(lambda: page.export_task is None, "kiosk export", within_s=20)

    desk.qloop.run(kiosk_export())
    files = list((desk.engine.settings.data_dir / "exports").glob("audit_*.csv"))
    assert len(files) == 1 and "Exported" in page.message_label.text()


def test_kiosk_users_table_shows_its_rows_whole(qtbot: QtBot, qapp: QApplication, desk: Desk) -> None:
    """The Turkish kiosk showed two and a half of three users (#15 review): the rows are whole."""
    from hmi_testing import kiosk_sized

    from hmi.session import Session
    from hmi.theme import apply_theme

    desk.log_in("alice")
    apply_theme(qapp)
    page = UsersPage(None, desk.engine, session=Session("alice", kiosk=True))
    qtbot.addWidget(page)
    desk.qloop.run(page.reload())
    with kiosk_sized(qtbot, qapp, page, 1280, 640):  # 800 less the kiosk's two nav rows and status bar
        page._fill_table()
        QApplication.processEvents()
        table = page.table
        assert table.rowCount() == 3
        last = table.visualRect(table.model().index(2, 0))
        assert last.bottom() < table.viewport().height(), (last, table.viewport().height())
