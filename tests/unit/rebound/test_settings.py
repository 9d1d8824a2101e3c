"""One settings model: flags over REBOUND_* environment over a TOML file; unknown keys fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rebound.cli import build_parser, main
from rebound.settings import load_settings


def test_precedence_flags_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "rebound.toml"
    config.write_text(
        "[receiver]\nhttp_port = 1111\nhost = '0.0.0.0'\n[metrics]\nport = 2222\n"
        "[classifier]\nidle_timeout_seconds = 60\n"
    )
    monkeypatch.setenv("REBOUND_METRICS__PORT", "3333")
    monkeypatch.setenv("REBOUND_CLASSIFIER__GRACE_SECONDS", "1.5")
    settings = load_settings(config, **{"receiver.http_port": 4444})
    assert settings.receiver.http_port == 4444  # flag
    assert settings.metrics.port == 3333  # env over file
    assert settings.receiver.host == "0.0.0.0"  # file
    assert settings.classifier.idle_timeout_seconds == 60
    assert settings.classifier.grace_seconds == 1.5


def test_unknown_keys_are_an_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[receiver]\nhttp_prot = 1\n")
    with pytest.raises(ValidationError):
        load_settings(config)


def test_invalid_value_gives_a_clear_exit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REBOUND_RECEIVER__HTTP_PORT", "not-a-port")
    assert main(["replay", "nothing.jsonl"]) == 2
    assert "invalid settings" in capsys.readouterr().err


def test_missing_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "x.jsonl", "--config", "/nonexistent/rebound.toml"]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_help_lists_every_command() -> None:
    text = build_parser().format_help()
    for command in ("serve", "replay", "demo"):
        assert command in text


def test_replay_of_a_missing_file_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "/nonexistent/runs.jsonl", "--no-progress"]) == 1
    assert "No such file" in capsys.readouterr().err
