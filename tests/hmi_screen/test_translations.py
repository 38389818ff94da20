"""English and Turkish: every tr() text translated, Qt's own texts and numbers follow the language.

``test_every_marked_text_has_a_turkish_translation`` runs lupdate over hmi/ and fails on any
text marked for translation that resources/translations/bandsaw_tr.ts does not translate;
``test_translations_keep_the_placeholders`` on a translation whose %1.. differ from its source.
Texts that come from config carry their Turkish there: ``test_config_texts_have_turkish`` fails on
a registers.yaml group, label, description or code name, or a shift, without it; and
``test_every_core_code_has_a_name`` on a role, audit action or result core records that the
screen has no name for (tests/hmi_screen/test_turkish_screen.py walks the pages in Turkish).
``test_no_new_untranslated_literals`` fails on any text literal handed to a Qt text setter
without tr(); ``NOT_YET_TRANSLATED`` counts, per module, the ones that predate the translation
layer: it may only shrink.
"""

from __future__ import annotations

import ast
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale

from core.config import PROJECT_ROOT, Settings
from core.registers import TEXT_LANGUAGES, RegisterMap
from hmi.formatting import format_number, plain_text
from hmi.i18n import LanguageMemory, Translator, compiled_qm, lrelease_program, ts_file
from hmi.widgets.letter_keyboard import LetterKeyboard
from hmi.widgets.section_view import Section, Shape
from hmi.widgets.touch_file_picker import TouchFilePicker

HMI = PROJECT_ROOT / "hmi"
TEXT_CALLS = {"QLabel", "QPushButton", "QCheckBox", "QGroupBox", "QRadioButton", "QAction", "QToolButton"}
TEXT_METHODS = {"setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "addTab", "setTabText", "addItem",
                "setTitle", "setHorizontalHeaderLabels", "setStatusTip", "showMessage", "insertTab", "addRow"}
# Page helpers that make a widget from a text (self._button("Verify"), make_label("…")): a literal
# handed to them is shown as it is, so it counts as much as one handed to QPushButton itself.
TEXT_HELPER = re.compile(r"^(?:_|_?(?:make|add|new)_)(?:button|label|title|heading|caption|tab|tile)$")
# Literals that predate the translation layer, per module (pages being migrated under issue #13).
NOT_YET_TRANSLATED: dict[str, int] = {}  # every older page is in tr() now: keep it at zero


def _lupdate(out: Path) -> None:
    program = Path(lrelease_program() or "pyside6-lrelease").with_name("pyside6-lupdate")
    sources = sorted(str(p) for p in HMI.rglob("*.py"))
    subprocess.run([str(program), *sources, "-locations", "none", "-silent", "-ts", str(out)], check=True,
                   capture_output=True, timeout=120)


def _messages(ts: Path) -> dict[tuple[str, str], str | None]:
    """(context, source) -> the finished translation, or None when unfinished or empty."""
    found: dict[tuple[str, str], str | None] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            element = message.find("translation")
            text = None
            if element is not None and element.get("type") not in ("unfinished", "vanished", "obsolete"):
                forms = [f.text or "" for f in element.iter("numerusform")] or [element.text or ""]
                text = forms[0] if all(forms) else None
            found[(name, message.findtext("source", ""))] = text
    return found


def test_every_marked_text_has_a_turkish_translation(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    _lupdate(fresh)
    marked = _messages(fresh)
    assert len(marked) >= 19
    turkish = _messages(ts_file("tr"))
    missing = [f"{context}: {source!r}" for (context, source) in marked if not turkish.get((context, source))]
    assert missing == [], f"no Turkish translation in {ts_file('tr')} (run make translations, then translate)"


def test_turkish_uses_one_word_for_register() -> None:
    """The Turkish screen said 'Registerler' and '48 register' beside Turkish words: a register is a
    'yazmaç' everywhere in the Turkish catalogue (#15 review)."""
    english_word = [f"{context}: {text!r}" for (context, _), text in _messages(ts_file("tr")).items()
                    if text and re.search(r"register", text, re.IGNORECASE)]
    assert english_word == []


def _untranslated_literals(path: Path) -> int:
    def literal(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return bool(re.search(r"[A-Za-z]{2}", node.value))
        if isinstance(node, ast.JoinedStr):
            return any(isinstance(v, ast.Constant) and re.search(r"[A-Za-z]{2}", str(v.value)) for v in node.values)
        if isinstance(node, ast.List | ast.Tuple):
            return any(literal(e) for e in node.elts)
        return False

    count = 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if (name in TEXT_CALLS | TEXT_METHODS or TEXT_HELPER.match(name)) and literal(node.args[0]):
                count += 1
    return count


def test_no_new_untranslated_literals() -> None:
    grown = {}
    for path in sorted(HMI.rglob("*.py")):
        key = path.relative_to(PROJECT_ROOT).as_posix()
        count = _untranslated_literals(path)
        if count > NOT_YET_TRANSLATED.get(key, 0):
            grown[key] = count
    assert grown == {}, "texts shown without tr() (wrap them: self.tr(...) or QCoreApplication.translate(...))"


def test_the_ratchet_sees_literals_handed_to_helpers(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text('self.verify = self._button("Verify")\nok = make_label(self.tr("Fine"))\n'
                    'self._button(f"Back up {n}")\nself._button("PrimaryButton" if x else "")\n')
    assert _untranslated_literals(page) == 2  # the two texts; a tr() text and an object name pass


def test_qm_is_built_from_the_ts_by_lrelease(tmp_path: Path) -> None:
    qm = compiled_qm("tr", cache=tmp_path)
    assert qm is not None and qm.stat().st_size > 0


def test_turkish_throughout_then_english_again(qtbot: object, translator: Translator, tmp_path: Path) -> None:
    assert translator.switch("tr")
    assert QLocale().language() is QLocale.Language.Turkish
    assert format_number(1234.5, 1) == "1234,5"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "İptal"  # Qt's own dialogs too
    assert Section(Shape.ROUND, 100).label() == "yuvarlak çubuk Ø 100 mm"
    keyboard = LetterKeyboard("Ad", lang="tr")
    qtbot.addWidget(keyboard)  # type: ignore[attr-defined]
    assert keyboard.keys["OK"].text() == "Tamam"
    picker = TouchFilePicker("Aç", tmp_path, mounts=lambda: [tmp_path])
    qtbot.addWidget(picker)  # type: ignore[attr-defined]
    assert picker.up_button.text() == "Yukarı" and picker.where.text().startswith("Dışa aktarma")
    assert translator.switch("en")
    assert format_number(1234.5, 1) == "1234.5"
    assert Section(Shape.ROUND, 100).label() == "round bar Ø 100 mm"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    assert not translator.switch("de")


def test_each_user_language_is_remembered(tmp_path: Path) -> None:
    memory = LanguageMemory(tmp_path / "hmi.ini")
    assert memory.get("ayse") is None
    memory.set("ayse", "tr")
    memory.set("john", "en")
    memory.set("john", "xx")  # unknown: ignored
    again = LanguageMemory(tmp_path / "hmi.ini")
    assert again.get("ayse") == "tr" and again.get("john") == "en"


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_cli_accepts_the_language(lang: str) -> None:
    import argparse

    from hmi.app import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["--lang", lang]).lang == lang
    with pytest.raises(SystemExit):
        parser.parse_args(["--lang", "de"])


def test_translations_keep_the_placeholders() -> None:
    """Every %1.. of the source once or more in the translation, none added; no "%%1" (a percent sign
    glued to a place-holder reads as one, and the number goes through hmi.formatting.format_percent)."""
    wrong = []
    for (context, source), text in _messages(ts_file("tr")).items():
        if text is None or context == "CoreTexts":  # {name} placeholders there, "%100" is a percentage
            continue
        if set(re.findall(r"%\d", source)) != set(re.findall(r"%\d", text)) or re.search(r"%%\d|%\d%", text):
            wrong.append(f"{context}: {source!r} -> {text!r}")
    assert wrong == []


def test_config_texts_have_turkish(register_map: RegisterMap, settings: Settings) -> None:
    """registers.yaml: every group title, label, description and code name (designations with a
    digit excepted) has its Turkish; every model input has a label; config.yaml's shifts a Turkish name."""
    from core.ml.features import PLC_INPUTS

    assert TEXT_LANGUAGES == ("tr",)
    missing = [f"group {g}" for g in register_map.groups if g not in register_map.group_texts.get(g, {}) and
               "tr" not in register_map.group_texts.get(g, {})]
    for register in register_map:
        texts = {lang: (description, dict(names), label) for lang, description, names, label in register.texts}
        description, names, label = texts.get("tr", ("", {}, ""))
        if register.description and not description:
            missing.append(f"{register.name}: description")
        if register.label and not label:
            missing.append(f"{register.name}: label")
        missing += [f"{register.name}: code {code} {name!r}" for code, name in register.enum
                    if not re.search(r"\d", name) and code not in names]
    missing += [f"{name}: label (a model input)" for name in sorted(PLC_INPUTS) if not register_map[name].label]
    missing += [f"shift {s.name}" for s in settings.production.shifts if s.tr is None]
    assert missing == []


def _core_audit_actions() -> set[str]:
    """The action names core records: literals handed to the trail, the permissions and their aliases."""
    from core.security.permissions import ALIASES, Permission
    from core.security.trail import OPERATOR_ALARM_ACTIONS

    found = {p.value for p in Permission} | set(ALIASES) | {f"alarm_{a}" for a in OPERATOR_ALARM_ACTIONS}
    for path in (PROJECT_ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                position = {"record": 1, "_record": 1, "_failed": 1, "_replay_failed": 1, "refused": 0,
                            "AuditRecord": 2}.get(name)
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                        func.value.id in ("Result", "WriteResult"):
                    position = None  # a refusal's register or reason, not an action
                if position is not None and len(node.args) > position:
                    found |= _codes(node.args[position])
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "action" for t in node.targets):
                found |= _codes(node.value)  # action = "user_enable" if enabled else "user_disable"
    return found


def _codes(node: ast.expr) -> set[str]:
    if isinstance(node, ast.IfExp):
        return _codes(node.body) | _codes(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[a-z_]+", node.value):
        return {node.value}
    return set()


def test_every_core_code_has_a_name() -> None:
    from core.security.audit import AuditResult
    from core.security.permissions import Role
    from hmi.code_names import AUDIT_ACTIONS, AUDIT_RESULTS, ROLES

    actions = _core_audit_actions()
    assert {"write", "login", "user_role", "set_mode", "alarm_shelve", "replay_start"} <= actions
    missing = sorted(actions - set(AUDIT_ACTIONS))
    missing += [f"role {r.value}" for r in Role if r.value not in ROLES]
    missing += [f"result {r.value}" for r in AuditResult if r.value not in AUDIT_RESULTS]
    assert missing == [], "core records codes the screen has no name for (add them to hmi/code_names.py)"


def test_turkish_names_for_codes_notes_and_percent(translator: Translator) -> None:
    from hmi.code_names import (
        audit_action_name,
        audit_detail,
        audit_value_name,
        link_error,
        report_note,
        role_name,
    )
    from hmi.formatting import format_g, format_percent, format_seconds, with_unit

    assert translator.switch("tr")
    assert role_name("engineer") == "mühendis" and audit_action_name("write") == "PLC'ye yazma"
    assert audit_value_name("disabled") == "devre dışı" and audit_action_name("new_thing") == "new_thing"
    assert format_percent(63.4) == "%63" and with_unit("12,5", "mm") == "12,5\u00a0mm" and format_g(0.5) == "0,5"
    assert plain_text(format_seconds(29.6)) == "30 sn"
    assert Section(Shape.TUBE, 60.5, 4).label().startswith("boru Ø 60,5")
    note = "no data for 12.5 % of planned time (1.00 h): availability is over the 7.00 h with data"
    assert plain_text(report_note(note)) \
        == "planlı sürenin %12,5 kadarı için veri yok (1,00 sa): kullanılabilirlik verisi olan 7,00 sa üzerinden"
    assert report_note("something new") == "something new"
    assert audit_detail("requested 30.5; reason: preset normal") == "istenen 30,5; neden: Normal ön ayarı"
    assert audit_detail("role engineer (session renewed)") == "rol mühendis (oturum yenilendi)"
    assert audit_detail("erin logged in at this screen; step limit") == "erin bu ekranda oturum açtı; step limit"
    # what the Turkish kiosk's audit page showed in English (#15 review)
    assert audit_detail("wrong name or PIN; 1 in a row") == "yanlış ad veya PIN; üst üste 1"
    assert audit_detail("wrong name or PIN; 5 in a row; locked for 60 s") \
        == "yanlış ad veya PIN; üst üste 5; 60 sn kilitli"
    assert audit_detail("locked out, 42 s left; wrong PIN, 6 in a row") \
        == "kilitli, 42 sn kaldı; yanlış PIN, üst üste 6"
    assert audit_detail("PIN/password changed; lock-out cleared; command line, os user root") \
        == "PIN/parola değiştirildi; kilit kaldırıldı; komut satırı, işletim sistemi kullanıcısı root"
    assert link_error("cannot connect to 10.0.0.5:502: refused or no answer within 1.5 s") \
        == "10.0.0.5:502 adresine bağlanılamıyor: reddedildi veya 1,5 sn içinde yanıt yok"
    assert link_error("the engine is not answering (3 s)") == "motor yanıt vermiyor (3 sn)"
    assert translator.switch("en")
    assert role_name("engineer") == "engineer" and format_percent(63.4) == "63\u00a0%" and format_g(0.5) == "0.5"


def test_the_engine_stopped_alarm_in_the_screen_language(translator: Translator, settings: Settings,
                                                         register_map: RegisterMap) -> None:
    from core.cli import engine_factory
    from hmi.engine_process import EngineProcess

    assert translator.switch("tr")
    proxy = EngineProcess(engine_factory, settings, register_map)  # never started: the alarm alone
    proxy._raise_stopped_alarm("the engine process ended (exit code -9)")
    alarm = proxy.active_alarms()[0]
    assert alarm.text_for("tr").startswith("Motor (veri toplama) durdu") and alarm.response_for("tr")
    assert alarm.text_for("en").startswith("Engine stopped")
    assert alarm.response_for("en") == "Restart the engine (the banner's button) or the program"


def _numerus(ts: Path) -> dict[tuple[str, str], list[str]]:
    """(context, source) -> the finished plural forms of every %n text."""
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):
        for message in context.iter("message"):
            element = message.find("translation")
            if message.get("numerus") == "yes" and element is not None and element.get("type") is None:
                found[(context.findtext("name", ""), message.findtext("source", ""))] = [
                    f.text or "" for f in element.iter("numerusform")]
    return found


def test_every_count_text_has_english_and_turkish_plural_forms(tmp_path: Path) -> None:
    """Every %n text (a count: "1 cut", "2 cuts") has English's two forms, the singular its own (the
    source, "%n cuts", read "1 cuts"), and Turkish's one, each with its %n."""
    fresh = tmp_path / "fresh.ts"
    _lupdate(fresh)
    counted = [key for key, _ in _messages(fresh).items() if "%n" in key[1]]
    assert len(counted) >= 15
    english, turkish = _numerus(ts_file("en")), _numerus(ts_file("tr"))
    wrong = [f"en {key}: {english.get(key)}" for key in counted
             if len(english.get(key, [])) != 2 or english[key][0] == english[key][1]
             or english[key][1] != key[1] or any("%n" not in f for f in english[key])]
    wrong += [f"tr {key}: {turkish.get(key)}" for key in counted
              if len(turkish.get(key, [])) != 1 or "%n" not in turkish[key][0]]
    assert wrong == []


# A total that is never 1 (the register map's size) may stay "%1 <plural>".
PLURAL_AFTER_A_PLACEHOLDER_KNOWN = {"RegistersPage: %1 of %2 registers match “%3”"}


def test_no_count_is_glued_to_a_plural_noun(tmp_path: Path) -> None:
    """'%1 cuts' reads "1 cuts": a count goes through a %n text (tr(text, "", n)) instead; a rate
    ("%3 rows/s") is not a count."""
    fresh = tmp_path / "fresh.ts"
    _lupdate(fresh)
    plural = re.compile(r"(%\d|\{\d\}) (cuts|rows|samples|alarms|bands|entries|days|registers|databases|"
                        r"materials|pieces|hours|minutes|seconds|users|files|items|shifts)\b(?!/)")  # not "rows/s"
    glued = {f"{context}: {source}" for context, source in _messages(fresh) if plural.search(source)}
    assert glued - PLURAL_AFTER_A_PLACEHOLDER_KNOWN == set()


@pytest.mark.parametrize(("lang", "one", "two"), [
    ("en", ["1 alarm acknowledged", "storage queue 1 row", "1 register", "Exported 1 row to x.csv",
            "raw.db from 09:00: 1 sample", "older than 1 day", "1 entry"],
     ["2 alarms acknowledged", "storage queue 2 rows", "2 registers", "Exported 2 rows to x.csv",
      "raw.db from 09:00: 2 samples", "older than 2 days", "2 entries"]),
    ("tr", ["1 alarm onaylandı", "kayıt kuyruğu 1 satır", "1 yazmaç", "1 satır x.csv dosyasına aktarıldı",
            "raw.db, 09:00 itibarıyla: 1 örnek", "1 günden eski", "1 kayıt"],
     ["2 alarm onaylandı", "kayıt kuyruğu 2 satır", "2 yazmaç", "2 satır x.csv dosyasına aktarıldı",
      "raw.db, 09:00 itibarıyla: 2 örnek", "2 günden eski", "2 kayıt"]),
])
def test_a_count_of_one_and_of_two(translator: Translator, lang: str, one: list[str], two: list[str]) -> None:
    """The texts as the pages ask for them (tr() with the count), in English and Turkish."""
    def texts(n: int) -> list[str]:
        def say(context: str, source: str) -> str:
            return QCoreApplication.translate(context, source, "", n)

        return [say("AlarmsPage", "%n alarms acknowledged"), say("HmiStatusBar", "storage queue %n rows"),
                say("RegistersPage", "%n registers"), say("AlarmsPage", "Exported %n rows to %2").replace(
                    "%2", "x.csv"), say("TrendsPage", "raw.db from %1: %n samples").replace("%1", "09:00"),
                say("DataPage", "older than %n days"), say("AuditPage", "%n entries")]

    assert translator.switch(lang)
    assert texts(1) == one
    assert texts(2) == two


def test_every_core_text_is_marked_and_has_turkish() -> None:
    """Every code core can emit (core.texts.TEMPLATES) is marked for lupdate (hmi/core_texts.py, written
    by tools/core_texts.py) and has a finished Turkish with the same {placeholders}."""
    from core.api import TEXT_TEMPLATES
    from hmi.core_texts import CORE_TEXTS

    assert CORE_TEXTS == TEXT_TEMPLATES, "run tools/core_texts.py, then make translations"
    turkish = _messages(ts_file("tr"))
    wrong = []
    for code, template in TEXT_TEMPLATES.items():
        text = turkish.get(("CoreTexts", template))
        if not text:
            wrong.append(f"{code}: no Turkish for {template!r}")
        elif sorted(re.findall(r"\{[^}]*\}", text)) != sorted(re.findall(r"\{[^}]*\}", template)):
            wrong.append(f"{code}: placeholders differ: {template!r} -> {text!r}")
    assert wrong == []


def test_core_texts_in_the_screen_language(translator: Translator) -> None:
    """Core's codes through tr() with the locale's numbers; English core kept as a string read back by
    the templates; an unknown code shows the English reason (never a crash, never a blank)."""
    from core.api import Result, Text, WriteResult
    from hmi.code_names import alarm_text, audit_detail, reason_text, replay_reason

    locked: Result[None] = Result.refused(Text("login.locked", {"seconds": 42.4}))
    role: Result[None] = Result(False, None, "x", "access.needs_role",
                                {"permission": "write_register", "need_role": "engineer", "user": "otto",
                                 "role": "operator"})
    unknown: Result[None] = Result(False, None, "a newer engine's reason", "engine.something_new", {"n": 1})
    link = "PLC link lost: cannot connect to 10.0.0.5:502: refused or no answer within 1.5 s"
    assert translator.switch("tr")
    assert reason_text(Result.refused(Text("login.wrong"))) == "Ad veya PIN yanlış"
    assert reason_text(locked) == "Çok fazla başarısız deneme: 42 sn sonra yeniden deneyin"
    assert reason_text(role) == "PLC'ye yazma için mühendis yetkisi gerekir; otto kullanıcısı operatör"
    assert reason_text(unknown) == "a newer engine's reason"
    assert reason_text(Result.refused("disk I/O error")) == "disk I/O error"
    assert reason_text(WriteResult("descent_speed", 1.0, False, reason="the engine is not running")) \
        == "motor (veri toplama) çalışmıyor"  # no code sent (an older path): read back from the English
    assert alarm_text(f"PLC bağlantısı koptu: ekrandaki değerler canlı değil ({link})", link) == (
        "PLC bağlantısı koptu: ekrandaki değerler canlı değil (PLC bağlantısı koptu: 10.0.0.5:502 adresine "
        "bağlanılamıyor: reddedildi veya 1,5 sn içinde yanıt yok)")
    assert audit_detail("requested 30.5; reason: preset normal; step limit") \
        == "istenen 30,5; neden: Normal ön ayarı; step limit"
    assert replay_reason("speed 90x is outside 1x to 60x") == "90x hızı 1x ile 60x aralığının dışında"
    assert translator.switch("en")
    assert reason_text(locked) == "Too many failed attempts: try again in 42 s"
    assert reason_text(role) == "PLC write needs engineer rights; otto is operator"


def test_a_clamped_or_refused_write_in_turkish(translator: Translator, register_map: RegisterMap) -> None:
    """The write dialog's outcome: the envelope's clamps and the Writer's refusals (English, "; "-joined,
    no code sent from the Writer) in the screen's language, numbers and units too."""
    from core.api import WriteResult
    from hmi.dialogs.write_dialog import describe_result

    register = register_map["descent_speed"]
    clamped = WriteResult("descent_speed", 500.0, True, written=60.0, read_back=60.0, verified=True, clamped=True,
                          reason="lowered to the maximum 80 mm/min; step limited to +2.5 mm/min (0.5 mm/min/s)")
    refused = WriteResult.refused("descent_speed", 30.0, "PLC data is stale (1.25 s old, limit 1 s)")
    assert translator.switch("tr")
    _, text = describe_result(register, clamped)
    expected = "en yüksek değere düşürüldü: 80 mm/dk; adım +2,5 mm/dk ile sınırlandı (0,5 mm/dk/sn)"
    assert expected in plain_text(text), text
    assert describe_result(register, refused)[1].endswith("PLC verisi eski (1,25 sn önce, sınır 1 sn)")
