"""Request decoding for the fake Telegram Bot API: query string, JSON, URL-encoded and multipart bodies.

The Bot API accepts every parameter as a string (python-telegram-bot sends form fields whose values are
JSON-encoded: ``"123"``, ``"true"``, ``'{"inline_keyboard": ...}'``; plain strings stay raw). We decode
each value back to its JSON type, except for parameters that are always strings.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .telegram_objects import JSONDict, UploadedFile

_STRING_PARAMS = frozenset(
    {"text", "caption", "question", "name", "url", "secret_token", "parse_mode", "callback_query_id", "chat_id"}
)  # values that stay strings even when they look like JSON ("123", "true")
_MISSING = object()


def coerce(name: str, value: Any) -> Any:
    """Decode one transmitted parameter value to the JSON value it stands for."""
    if not isinstance(value, str):
        return value
    if name == "chat_id":
        return _int_or_text(value)
    if name in _STRING_PARAMS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, dict | list | bool | int | float) else value


def _int_or_text(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value


async def decode_params(request: web.Request) -> JSONDict:
    """All parameters of a Bot API request, decoded; uploaded files become ``UploadedFile``s."""
    raw: JSONDict = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        raw.update(json.loads(body) if body.strip() else {})
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, value in (await request.post()).items():
            raw[key] = _upload(key, value) if isinstance(value, web.FileField) else value
    params = {key: coerce(key, value) for key, value in raw.items()}
    return {key: _resolve_attach(value, params) for key, value in params.items()}


def _upload(field: str, value: web.FileField) -> UploadedFile:
    return UploadedFile(field, value.filename, value.file.read(), value.content_type or "")


def _resolve_attach(value: Any, params: JSONDict) -> Any:
    """Replace an ``attach://<name>`` reference by the file uploaded under ``<name>``."""
    if isinstance(value, str) and value.startswith("attach://"):
        upload = params.get(value[len("attach://") :], _MISSING)
        return upload if isinstance(upload, UploadedFile) else value
    return value


def json_response(body: JSONDict, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)
