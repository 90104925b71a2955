"""Settings: TOML + MAGBOT_* env, secrets only from env, clear errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from magbot.config import ConfigError, env_name, load_settings

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "magbot.toml"
    path.write_text(body)
    return path


def test_shipped_configs_load_and_default_to_console_on_sqlite() -> None:
    settings = load_settings(ROOT / "config" / "magbot.toml", env={})
    assert settings.platforms == ("console",)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    example = load_settings(ROOT / "config" / "magbot.example.toml", env={})
    assert example.defaults["timezone"] == "Europe/London"


def test_env_overrides_every_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'platforms = ["console"]\n[database]\nurl = "sqlite+aiosqlite:///x.db"\n')
    env = {
        "MAGBOT_DATABASE_URL": "postgresql+asyncpg://db/magbot",
        "MAGBOT_PLATFORMS": "telegram,matrix",
        "MAGBOT_TELEGRAM_TOKEN": "123:abc",
        "MAGBOT_DEFAULTS_MEETING_DAY": "fri",
        "MAGBOT_HEALTH_LISTEN": "0.0.0.0:9108",
        "MAGBOT_LOG_FORMAT": "JSON",
        "MAGBOT_CLOCK_SHIFT": "-86400.5",
    }
    settings = load_settings(path, env=env)
    assert settings.database_url == "postgresql+asyncpg://db/magbot"
    assert settings.platforms == ("telegram", "matrix")
    assert settings.telegram.token == "123:abc"
    assert "123:abc" not in repr(settings)
    assert settings.defaults["meeting_day"] == "Friday"
    assert (settings.health_listen, settings.log_format) == ("0.0.0.0:9108", "json")
    assert settings.clock_shift_s == -86400.5
    assert env_name("telegram.base_url") == "MAGBOT_TELEGRAM_BASE_URL"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('[telegram]\ntoken = "123:abc"\n', "MAGBOT_TELEGRAM_TOKEN"),
        ('platforms = ["whatsapp"]\n', "platforms"),
        ("platforms = 3\n", "platforms"),
        ('[database]\nurll = "x"\n', "database.urll"),
        ('[defaults]\nmeeting_time = "25:00"\n', "time like 19:00"),
        ('[log]\nlevel = "LOUD"\n', "log.level"),
        ('[log]\nformat = "xml"\n', "log.format"),
        ('[clock]\nshift = "yesterday"\n', "clock.shift"),
        ("platforms = [", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key_and_what_is_expected(tmp_path: Path, body: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_settings(write(tmp_path, body), env={})


def test_a_missing_named_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})
