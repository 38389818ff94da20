"""`bandsaw report`: each format written and read back; bad input is one line and an exit code."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from production_helpers import RecordedRun
from pypdf import PdfReader

from core.cli import main

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def run_cli(run: RecordedRun, tmp_path: Path, *args: str) -> int:
    config = tmp_path / "config.yaml"
    if not config.exists():
        import yaml

        from core.config import PROJECT_ROOT

        data = yaml.safe_load((PROJECT_ROOT / "config" / "config.yaml").read_text())
        data["machine"]["time_zone"] = "Europe/Berlin"
        data["machine"]["name"] = "saw-test"
        config.write_text(yaml.safe_dump(data))
    return main(["report", "--config", str(config), "--data-dir", str(run.settings.data_dir), *args])


def period(run: RecordedRun) -> list[str]:
    from datetime import UTC, datetime

    def iso(ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")

    return ["--from", iso(run.start_ms - 60_000), "--to", iso(run.end_ms + 60_000)]


def test_each_format_is_written_and_reads_back(recorded_run: RecordedRun, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"report.{suffix}"
        assert run_cli(recorded_run, tmp_path, *period(recorded_run), "--out", str(out)) == 0
        assert out.stat().st_size > 0
    printed = capsys.readouterr().out
    assert "written:" in printed and "OEE" in printed

    with (tmp_path / "report.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    table = [dict(zip(header, row, strict=True)) for row in rows[1:] if row and row[0] != "definition"
             and len(row) == len(header)]
    assert [r["shift"] for r in table] == ["Early", "Late", "Night", "all"]
    total = table[-1]
    assert int(total["cuts"]) >= 4 and int(total["pieces"]) >= 3
    # a shift the run did not reach has no data: its figures are blank, not 0
    assert all(r["cuts"] or "no data for" in r["notes"] or "no planned time" in r["notes"] for r in table)
    assert sum(int(r["cuts"] or 0) for r in table[:-1]) == int(total["cuts"])
    assert any(row[:1] == ["OEE"] for row in rows)  # definitions under the table

    book = load_workbook(tmp_path / "report.xlsx", read_only=True)
    sheet = book["Report"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("machine", "shift", "period")
    assert values[4][4] == int(total["cuts"])
    assert "Downtime" in book.sheetnames and "States" in book.sheetnames
    book.close()

    reader = PdfReader(tmp_path / "report.pdf")
    assert len(reader.pages) == 4  # one page per shift and the total
    text = reader.pages[3].extract_text()
    assert "saw-test" in text and "Availability" in text and "Saw state over time" in text
    assert "OEE: availability x performance x quality" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "yesterday-ish"], "is not a time"),
    (["--from", "2026-12-02", "--to", "2026-12-01"], "empty period"),
    (["--shift", "Lunch"], "unknown shift 'Lunch'"),
    (["--out-format"], None),
])
def test_bad_input_is_a_message_and_exit_2(recorded_run: RecordedRun, tmp_path: Path, args: list[str],
                                           message: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    if message is None:  # an unknown format
        code = run_cli(recorded_run, tmp_path, "--out", str(tmp_path / "r.docx"))
        message = "unknown report format 'docx'"
    else:
        code = run_cli(recorded_run, tmp_path, *args, "--out", str(tmp_path / "r.csv"))
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "r.csv").exists()


def test_a_period_without_data_is_written_and_says_so(recorded_run: RecordedRun, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "empty.pdf"
    code = run_cli(recorded_run, tmp_path, "--from", "2020-01-01", "--to", "2020-01-02", "--out", str(out))
    assert code == 3 and out.exists()
    captured = capsys.readouterr()
    assert "no data recorded in this period" in captured.err
    assert "no data for saw-test" in captured.out and "availability" not in captured.out
    text = PdfReader(out).pages[-1].extract_text()
    assert "no data for saw-test" in text and "0.0 %" not in text


def test_a_missing_data_folder_is_exit_2(recorded_run: RecordedRun, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.csv"
    code = main(["report", "--data-dir", str(tmp_path / "typo"), *period(recorded_run), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and len(err.strip().splitlines()) == 1 and not out.exists()


def test_unwritable_folder_is_exit_1(recorded_run: RecordedRun, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(recorded_run, tmp_path, *period(recorded_run), "--out", str(tmp_path / "nope" / "r.xlsx"))
    assert code == 1 and "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("out", ["/proc/r.csv", "/sys/r.pdf", "FILE/r.xlsx"])
def test_a_folder_that_cannot_be_written_is_one_line_exit_1(recorded_run: RecordedRun, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str], out: str) -> None:
    """chmod 0o555 does not stop root: a pseudo file system, or a file where the folder should be."""
    (tmp_path / "FILE").write_text("a file, not a folder")
    target = Path(out.replace("FILE", str(tmp_path / "FILE")))
    code = run_cli(recorded_run, tmp_path, *period(recorded_run), "--out", str(target))
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert str(target) in err or str(target.parent) in err
    assert not target.exists()
