"""Outgoing messages to JSON and back, so they can wait in the outbox table across crashes."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import datetime
from typing import Any

from magbot.core.events import OUTGOING_KINDS, Button, ChatRef, Outgoing


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"__dt__": value.isoformat()}
    if isinstance(value, Button):
        return {"label": value.label, "data": value.data, "url": value.url}
    if isinstance(value, ChatRef):
        return {"platform": value.platform, "chat_id": value.chat_id, "kind": value.kind}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def encode(message: Outgoing) -> str:
    fields = {f.name: _plain(getattr(message, f.name)) for f in dataclasses.fields(message)}
    return json.dumps({"kind": type(message).__name__, **fields}, ensure_ascii=False)


def _restore_field(name: str, value: Any) -> Any:
    if isinstance(value, dict) and "__b64__" in value:
        return base64.b64decode(value["__b64__"])
    if isinstance(value, dict) and "__dt__" in value:
        return datetime.fromisoformat(value["__dt__"])
    if name == "chat":
        return ChatRef(**value)
    if name == "buttons":
        return tuple(tuple(Button(**b) for b in row) for row in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def decode(raw: str) -> Outgoing:
    data = json.loads(raw)
    cls = OUTGOING_KINDS[data.pop("kind")]
    return cls(**{name: _restore_field(name, value) for name, value in data.items()})
