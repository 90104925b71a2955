"""Text handling of the fake Telegram Bot API: UTF-16 offsets, HTML parse mode, automatic entities.

``parse_html`` follows tdlib's ``parse_html`` (td/telegram/MessageEntity.cpp), which the real Bot API server
uses for ``parse_mode=HTML``, for what magbot sends (a spoiler with escaped text inside): the same tags, the
same entity decoding and the same error messages (``Unsupported start tag "x" at byte offset N`` ...), so an
unescaped ``<`` or ``&`` in the bot's output fails here as it would in production. Tags with attributes
(links, custom emoji, code languages) are refused: magbot sends none, and this fake does not parse them.
"""

from __future__ import annotations

import re
from typing import Any

JSONDict = dict[str, Any]

_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "u": "underline", "ins": "underline", "tg-spoiler": "spoiler", "code": "code",
    "pre": "pre", "blockquote": "blockquote",
}  # fmt: skip
_ALL_TAGS = frozenset({*_ENTITY_TYPES, "a", "span", "tg-emoji", "tg-time"})  # what Telegram knows
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#x([0-9a-fA-F]{1,8})|#([0-9]{1,9})|([a-zA-Z]+));")
_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?!\w)")


class EntityParseError(ValueError):
    """The text cannot be parsed in the requested parse mode (Telegram answers 400)."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def auto_entities(text: str) -> list[JSONDict]:
    """Entities Telegram adds to a user's message by itself: bot commands and @mentions."""
    found = [("bot_command", m) for m in _COMMAND_RE.finditer(text)]
    found += [("mention", m) for m in _MENTION_RE.finditer(text)]
    found.sort(key=lambda item: item[1].start())
    return [{"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())} for kind, m in found]


def parse_html(src: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into ``(plain_text, entities)``; raise ``EntityParseError`` like Telegram."""
    out: list[str] = []
    stack: list[tuple[str, int]] = []  # open tag, its UTF-16 offset in the output
    entities: list[JSONDict] = []
    i = 0
    while i < len(src):
        if src[i] == "&" and (match := _ENTITY_RE.match(src, i)) and (char := _decode(match)) is not None:
            out.append(char)
            i = match.end()
        elif src[i] != "<":
            out.append(src[i])
            i += 1
        else:
            closing = src[i + 1 : i + 2] == "/"
            name, end = _tag(src, i, closing)
            offset = utf16_len("".join(out))
            if not closing:
                stack.append((name, offset))
            elif not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte(src, i)}")
            elif name and name != stack[-1][0]:
                expected, where = stack[-1][0], _byte(src, i)
                raise EntityParseError(f'Unmatched end tag at byte offset {where}, expected "</{expected}>", '
                                       f'found "</{name}>"')  # fmt: skip
            else:
                opened, start = stack.pop()
                if offset > start and opened in _ENTITY_TYPES:
                    entities.append({"type": _ENTITY_TYPES[opened], "offset": start, "length": offset - start})
            i = end
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _tag(src: str, begin: int, closing: bool) -> tuple[str, int]:
    """The tag's name and the index after its ``>``, read as tdlib reads it."""
    i = begin + (2 if closing else 1)
    while i < len(src) and not src[i].isspace() and src[i] != ">":
        i += 1
    name = src[begin + (2 if closing else 1) : i].lower()
    while i < len(src) and src[i].isspace():
        i += 1
    if closing:
        if i >= len(src) or src[i] != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {_byte(src, begin)}")
        return name, i + 1
    if i >= len(src):
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte(src, begin)}")
    if name not in _ALL_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {_byte(src, begin)}')
    if src[i] != ">":
        raise EntityParseError(f'Tag "{name}" with attributes: this fake does not parse them')
    return name, i + 1


def _byte(src: str, index: int) -> int:
    return len(src[:index].encode())


def _decode(match: re.Match[str]) -> str | None:
    """The character an HTML entity stands for; None for an unknown name (Telegram then keeps the text)."""
    hex_digits, digits, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(hex_digits, 16) if hex_digits is not None else int(digits)
    if 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return chr(code) if 0 < code < 0x10FFFF else None


def render_text(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    """What Telegram stores for an outgoing text: plain text plus entities (magbot sends only HTML or none)."""
    if parse_mode and parse_mode.lower() == "html":
        return parse_html(text)
    if parse_mode:
        raise EntityParseError(f"parse mode {parse_mode} is not supported by this fake")
    return text, []
