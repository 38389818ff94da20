"""The ML controller's fault and load-ceiling texts (ml.db's journal, the fault alarm's detail) read in
Turkish on a Turkish screen: the reviewer's Control page still showed them in English."""

from __future__ import annotations

from core.control.load_watch import CeilingBreach
from core.texts import (
    C_ALREADY_CUT,
    C_CUT,
    F_CEILING_STAYED,
    F_NO_MODEL,
    F_RESTORE_FAILED,
    F_STALE,
    F_STALE_AGE,
    F_WRITE_FAILED,
)
from hmi.code_names import journal_text
from hmi.formatting import plain_text
from hmi.i18n import Translator


def test_fault_and_ceiling_texts_read_in_turkish(translator: Translator) -> None:
    breach = CeilingBreach("band_current", 131.26, 125.0, 2.4).describe()
    assert breach == "band_current 131.3 A above the ceiling 125 A for 2.4 s"  # ml.db keeps English
    stored = [
        str(F_STALE(detail=str(F_STALE_AGE(age=1.234, quality="comm_error")))),
        str(F_CEILING_STAYED(detail=breach)),
        str(C_CUT(detail=breach)),
        f"{breach}; {C_ALREADY_CUT()}",
        str(F_RESTORE_FAILED(name="descent_speed", detail="no answer")),
        str(F_WRITE_FAILED(name="cutting_speed", detail="no answer")),
        str(F_NO_MODEL()),
    ]
    assert translator.switch("tr")
    shown = [journal_text(text) for text in stored]
    assert shown[0] == "eski veri (en yeni örnek 1,23 sn önce, comm_error)"
    assert plain_text(shown[1]) == ("yük tavanın üstünde kaldı: band_current 131,3 A, 2,4 sn boyunca 125 A "
                                    "tavanının üstünde")
    assert shown[3].endswith("; iniş hızı zaten düşürüldü")
    english = ("stale data", "above the ceiling", "descent cut", "already cut", "failed", "no model", "Load ceiling")
    for text in shown:
        assert not any(word in text for word in english), text
    assert translator.switch("en")
    assert [plain_text(journal_text(text)) for text in stored] == stored
