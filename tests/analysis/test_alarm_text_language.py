"""Alarm texts in Turkish write numbers, units and percentages as the Turkish screen does."""

from __future__ import annotations

import re

from core.analysis.messages import MessageCatalogue, format_number, load_catalogue
from core.config import PROJECT_ROOT
from core.registers import RegisterMap, unit_in


def _catalogue(register_map: RegisterMap) -> MessageCatalogue:
    return load_catalogue(PROJECT_ROOT / "config" / "alarm_messages.yaml", units=register_map)


# What raising code passes: a register (anomaly detectors), their score and threshold, a configured limit.
PARAMS = {"signal": "band_current", "score": 19.3, "threshold": 4.0, "limit": 198.0}


def test_percent_first_and_turkish_units(register_map: RegisterMap) -> None:
    texts = dict((lang, text) for lang, text, _ in _catalogue(register_map).render_all("plc.bit.0", "", 118.4))
    # The PLC's bit says overload; the text never claims the figure is over the limit (it may read below).
    assert texts["en"] == "Band torque overload: 118 %, overload limit 120 %"
    assert texts["tr"] == "Şerit tork aşırı yükü: %118, aşırı yük sınırı %120"
    chatter = dict((lang, text) for lang, text, _ in
                   _catalogue(register_map).render_all("process.chatter", "", 70.0))
    assert "70 m/dk" in chatter["tr"] and "70 m/min" in chatter["en"]


def test_numbers_without_thousands_separator() -> None:
    assert format_number(1234.5, 1, "tr") == "1234,5" and format_number(1234.5, 1, "en") == "1234.5"
    assert unit_in("mm/min", "tr") == "mm/dk" and unit_in("mm/min", "en") == "mm/min" and unit_in("A", "tr") == "A"


def test_turkish_texts_carry_no_english_gloss(register_map: RegisterMap) -> None:
    """'Titreşim (chatter)' read half English on the Turkish banner (#15 review): a Turkish text
    never repeats a word of its English text in brackets."""
    catalogue = _catalogue(register_map)
    glossed = []
    for key in catalogue.entries:
        texts = {lang: f"{text} {response}" for lang, text, response in catalogue.render_all(key, "", 1.0, PARAMS)}
        english_words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", texts["en"])}
        for word in re.findall(r"\(([^)]*)\)", texts["tr"]):
            if {w.lower() for w in re.findall(r"[A-Za-z]{4,}", word)} & english_words:
                glossed.append(f"{key}: {texts['tr']!r}")
    assert glossed == []


def test_logged_alarms_in_every_language(register_map: RegisterMap) -> None:
    """The alarm history showed log.db's English texts on the Turkish screen (#15 review): log.db keeps
    the key and the value, so the catalogue renders them again - trusted only where that rendering is
    the logged English text."""
    from core.analysis.alarm_history import AlarmLogEntry, in_every_language

    catalogue = _catalogue(register_map)
    rendered = dict((lang, text) for lang, text, _ in catalogue.render_all("plc.bit.0", "", 118.4))
    english, turkish = rendered["en"], rendered["tr"]
    logged = [AlarmLogEntry(1, 0, "plc.bit.0", "raise", "active", "normal", 1, english, 118.4, "system"),
              AlarmLogEntry(2, 0, "plc.bit.0", "raise", "active", "normal", 1, "Band torque (old wording)", 118.4,
                            "system"),
              AlarmLogEntry(3, 0, "no.such.key", "raise", "active", "normal", 1, "Something", None, "system")]
    entries = in_every_language(logged, catalogue)
    assert entries[0].text_for("tr") == turkish and turkish.startswith("Şerit tork") and "%118" in turkish
    assert entries[0].text_for("en") == english
    assert [e.text_for("tr") for e in entries[1:]] == ["Band torque (old wording)", "Something"]  # as logged


def test_a_logged_text_read_again_with_its_detail(register_map: RegisterMap) -> None:
    """log.db keeps an alarm's English text: the Production page's downtime causes showed it under
    Turkish. Read again by key, the detail found in it, it comes back in every language."""
    catalogue = _catalogue(register_map)
    detail = "PLC link lost: cannot connect to 10.0.0.5:502: refused or no answer within 1.5 s"
    logged = dict((lang, text) for lang, text, _ in catalogue.render_all("modbus.link_lost", detail, None))["en"]
    found, texts = catalogue.reread("modbus.link_lost", logged)
    assert found == detail and dict(texts)["en"] == logged
    assert dict(texts)["tr"].startswith("PLC bağlantısı koptu") and detail in dict(texts)["tr"]
    assert catalogue.reread("modbus.link_lost", "an older wording") == ("", ())
    assert catalogue.reread("no.such.key", logged) == ("", ())


def test_the_alarm_history_finds_the_detail_in_a_logged_text(register_map: RegisterMap) -> None:
    """A logged link-lost alarm (its error inside) had no Turkish in the history (rendering the key
    without the detail did not give back the logged text): read again with the detail now."""
    from core.analysis.alarm_history import AlarmLogEntry, in_every_language

    catalogue = _catalogue(register_map)
    detail = "PLC link lost: no answer"
    logged = dict((lang, text) for lang, text, _ in catalogue.render_all("modbus.link_lost", detail, None))["en"]
    entry = AlarmLogEntry(1, 0, "modbus.link_lost", "raise", "unacknowledged", "normal", 1, logged, None, "system")
    (done,) = in_every_language([entry], catalogue)
    assert done.detail == detail and done.text_for("tr").startswith("PLC bağlantısı koptu")


def test_anomaly_texts_name_the_register_in_its_unit(register_map: RegisterMap) -> None:
    """The engineer queue and the history read "Unusual band_current: 91.300" and "vibration_x: 0.349":
    register names, no units. Now the register's label in the language, its unit, its scale's decimals."""
    catalogue = _catalogue(register_map)
    current = dict((lang, text) for lang, text, _ in catalogue.render_all("anomaly.band_current.zscore", "", 91.3,
                                                                          PARAMS))
    assert current == {"en": "Unusual band current: 91.3 A (score 19.3 over 4)",
                       "tr": "Olağandışı şerit akımı: 91,3 A (skor 19,3, eşik 4)"}
    vibration = dict((lang, text) for lang, text, _ in catalogue.render_all(
        "anomaly.vibration_x.iqr", "", 0.3494, {"signal": "vibration_x", "score": 8.84, "threshold": 3.0}))
    assert vibration["en"] == "Unusual vibration x: 0.349 g (score 8.8 over 3)"
    assert vibration["tr"].startswith("Olağandışı titreşim X: 0,349 g (skor 8,8")
    torque = dict((lang, text) for lang, text, _ in catalogue.render_all(
        "anomaly.band_torque.zscore", "", 39.3, {"signal": "band_torque", "score": 5.0, "threshold": 4.0}))
    assert torque["tr"] == "Olağandışı şerit torku: %39,3 (skor 5,0, eşik 4)"
    for text in (*current.values(), *vibration.values(), *torque.values()):
        assert "_" not in text, text


def test_the_history_shows_anomalies_and_the_current_alarm_in_every_language(register_map: RegisterMap) -> None:
    """log.db keeps the English text and the key: figures from parameters (score, threshold) and a group
    worded by its member (process.band_overload logged with the current's words) come back in Turkish."""
    from core.analysis.alarm_history import AlarmLogEntry, in_every_language

    catalogue = _catalogue(register_map)
    rows = [("anomaly.band_current.zscore", "Unusual band current: 91.3 A (score 19.3 over 4)", 91.3),
            ("anomaly.vibration_x.iqr", "Unusual vibration x: 0.349 g (score 8.8 over 3.5)", 0.349),
            ("process.band_overload", "Band current 205 A over the 198 A limit", 205.0),
            ("process.band_overload", "Band torque overload: 131 %, overload limit 120 %", 131.0),
            ("anomaly.band_current.zscore", "Unusual band_current: 27.900 (score 5.0, threshold 4.0)", 27.9)]
    logged = [AlarmLogEntry(i, 0, key, "raise", "unacknowledged", "normal", 3, text, value, "system")
              for i, (key, text, value) in enumerate(rows)]
    assert [entry.text_for("tr") for entry in in_every_language(logged, catalogue)] == [
        "Olağandışı şerit akımı: 91,3 A (skor 19,3, eşik 4)",
        "Olağandışı titreşim X: 0,349 g (skor 8,8, eşik 3,5)",
        "Şerit akımı 205 A, 198 A sınırının üstünde",
        "Şerit tork aşırı yükü: %131, aşırı yük sınırı %120",
        "Unusual band_current: 27.900 (score 5.0, threshold 4.0)",  # an older wording: as logged
    ]
