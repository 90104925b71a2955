"""Typed settings from config/*.toml and MAGBOT_* environment variables. No work happens at import.

Every key `section.key` can be overridden by `MAGBOT_SECTION_KEY`. Secrets (tokens, passwords, store keys) come
only from the environment: a secret written into the file is refused, so it cannot leak through a shared config.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from magbot.domain.group_settings import SettingError, default_settings

DEFAULT_CONFIG = Path("config/magbot.toml")
PLATFORMS = ("console", "telegram", "matrix")
SECRETS = {
    "telegram.token": "MAGBOT_TELEGRAM_TOKEN",
    "telegram.webhook_secret": "MAGBOT_TELEGRAM_WEBHOOK_SECRET",
    "matrix.password": "MAGBOT_MATRIX_PASSWORD",
    "matrix.access_token": "MAGBOT_MATRIX_ACCESS_TOKEN",
    "matrix.store_key": "MAGBOT_MATRIX_STORE_KEY",
}


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the key and what is expected."""


@dataclass(frozen=True)
class TelegramSettings:
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"
    webhook_url: str = ""
    listen: str = "127.0.0.1:8443"
    token: str = field(default="", repr=False)
    webhook_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class MatrixSettings:
    homeserver: str = ""
    user_id: str = ""
    device_name: str = "magbot"
    store_path: str = ""
    password: str = field(default="", repr=False)
    access_token: str = field(default="", repr=False)
    store_key: str = field(default="", repr=False)


@dataclass(frozen=True)
class Settings:
    platforms: tuple[str, ...] = ("console",)
    data_dir: str = "data"
    database_url: str = "sqlite+aiosqlite:///data/magbot.db"
    log_level: str = "INFO"
    log_format: str = "text"
    health_listen: str = ""
    telegram: TelegramSettings = TelegramSettings()
    matrix: MatrixSettings = MatrixSettings()
    setup_allowed: tuple[str, ...] = ()
    founding_members: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    console_start: str = ""
    clock_shift_s: float = 0.0  # seconds added to the machine's clock: tests of the real process only


# section.key -> (type, attribute path). The single list of what the file and the env may say.
KEYS: dict[str, type] = {
    "platforms": list,
    "data_dir": str,
    "database.url": str,
    "log.level": str,
    "log.format": str,
    "health.listen": str,
    "telegram.base_url": str,
    "telegram.base_file_url": str,
    "telegram.mode": str,
    "telegram.webhook_url": str,
    "telegram.listen": str,
    "matrix.homeserver": str,
    "matrix.user_id": str,
    "matrix.device_name": str,
    "matrix.store_path": str,
    "setup.allowed": list,
    "setup.founding_members": list,
    "console.start": str,
    "clock.shift": str,
}


def env_name(key: str) -> str:
    return "MAGBOT_" + key.upper().replace(".", "_")


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    path = Path(path or env.get("MAGBOT_CONFIG") or DEFAULT_CONFIG)
    raw = _read_toml(path) if path.exists() else {}
    if not path.exists() and (path != DEFAULT_CONFIG):
        raise ConfigError(f"config file {path} does not exist")
    flat = _flatten(raw)
    _refuse_secrets_in_file(flat, path)
    defaults = {k.split(".", 1)[1]: str(v) for k, v in flat.items() if k.startswith("defaults.")}
    unknown = [k for k in flat if k not in KEYS and not k.startswith("defaults.")]
    if unknown:
        raise ConfigError(f"{path}: unknown key '{unknown[0]}'. Known keys: {', '.join(KEYS)}, defaults.*")
    values = {key: _typed(key, flat[key]) for key in KEYS if key in flat}
    for key in KEYS:
        if env_name(key) in env:
            values[key] = _from_env(key, env[env_name(key)])
    for name in _group_default_names():
        variable = env_name(f"defaults.{name}")
        if variable in env:
            defaults[name] = env[variable]
    return _build(values, defaults, env)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _flatten(raw: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = value
    return flat


def _refuse_secrets_in_file(flat: dict[str, Any], path: Path) -> None:
    for key, variable in SECRETS.items():
        if key in flat:
            raise ConfigError(f"{path}: '{key}' is a secret; remove it from the file and set {variable} instead")


def _typed(key: str, value: Any) -> Any:
    expected = KEYS[key]
    if expected is list and isinstance(value, list):
        return tuple(str(v) for v in value)
    if expected is str and isinstance(value, str | int):
        return str(value)
    kind = 'a list of strings, e.g. ["console"]' if expected is list else "a string"
    raise ConfigError(f"'{key}' must be {kind}")


def _from_env(key: str, value: str) -> Any:
    if KEYS[key] is list:
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return value


def _group_default_names() -> list[str]:
    from magbot.domain.group_settings import SPEC_BY_NAME

    return list(SPEC_BY_NAME)


def _build(values: dict[str, Any], defaults: dict[str, str], env: Mapping[str, str]) -> Settings:
    platforms = values.get("platforms", ("console",))
    for platform in platforms:
        if platform not in PLATFORMS:
            raise ConfigError(f"'platforms' has '{platform}'; expected some of {', '.join(PLATFORMS)}")
    if not platforms:
        raise ConfigError("'platforms' is empty; expected some of console, telegram, matrix")
    try:
        checked_defaults = default_settings(defaults)
    except SettingError as exc:
        raise ConfigError(f"defaults: {exc}") from None
    level = values.get("log.level", "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("'log.level' must be one of DEBUG, INFO, WARNING, ERROR")
    log_format = values.get("log.format", "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError("'log.format' must be 'text' (key=value lines) or 'json' (one JSON object a line)")
    mode = values.get("telegram.mode", "polling")
    if mode not in ("polling", "webhook"):
        raise ConfigError("'telegram.mode' must be 'polling' or 'webhook'")
    return Settings(
        platforms=tuple(platforms),
        data_dir=values.get("data_dir", "data"),
        database_url=values.get("database.url", "sqlite+aiosqlite:///data/magbot.db"),
        log_level=level,
        log_format=log_format,
        health_listen=values.get("health.listen", ""),
        telegram=_section(TelegramSettings, "telegram", values, env),
        matrix=_section(MatrixSettings, "matrix", values, env),
        setup_allowed=values.get("setup.allowed", ()),
        founding_members=values.get("setup.founding_members", ()),
        defaults=checked_defaults,
        console_start=values.get("console.start", ""),
        clock_shift_s=_seconds("clock.shift", values.get("clock.shift", "0")),
    )


def _seconds(key: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"'{key}' must be a number of seconds, e.g. \"-86400\" for a day back") from None


def _section(cls: type, name: str, values: dict[str, Any], env: Mapping[str, str]) -> Any:
    kwargs = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(name + ".")}
    for key, variable in SECRETS.items():
        if key.startswith(name + ".") and env.get(variable):
            kwargs[key.split(".", 1)[1]] = env[variable]
    return cls(**kwargs)
