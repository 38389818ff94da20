"""Project contracts: logging never shows a secret (imports: test_import_contracts.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config import load_settings
from core.logging_setup import LOG_FILES, SecretFilter, setup_logging


def test_secret_filter_masks_configured_secrets_and_url_passwords() -> None:
    secret_filter = SecretFilter(["tok-abc123"])
    assert secret_filter.redact("token tok-abc123 used") == "token ******** used"
    assert secret_filter.redact("postgresql://saw:pw1@db/x") == "postgresql://saw:********@db/x"


def test_log_files_route_by_logger_and_never_carry_secrets(tmp_path: Path) -> None:
    env = {"POSTGRES_PASSWORD": "pg-pass-42", "TB_ACCESS_TOKEN": "tb-token-77"}
    settings = load_settings(None, env=env, env_file=tmp_path / "none")
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(settings, logs_dir=tmp_path, console=False)
        logging.getLogger("bandsaw.modbus.client").warning("link lost, token %s", "tb-token-77")
        logging.getLogger("bandsaw.postgres").error("connect postgresql://u:pg-pass-42@h/db failed")
        logging.getLogger("bandsaw.control").info("wrote cutting_speed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        written = [name for name in LOG_FILES if (tmp_path / name).exists()]
        files = {name: (tmp_path / name).read_text(encoding="utf-8") for name in written}
        assert "link lost" in files["modbus.log"] and "link lost" in files["app.log"]
        assert "wrote cutting_speed" in files["control.log"] and "wrote" not in files["modbus.log"]
        assert "connect" in files["database.log"]
        for text in files.values():
            assert "tb-token-77" not in text and "pg-pass-42" not in text
    finally:
        for handler in root.handlers[:]:
            handler.close()
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
