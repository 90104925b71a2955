"""Text handling of the fake Telegram Bot API: UTF-16 offsets, HTML parse mode, automatic entities.

``parse_html`` follows tdlib's ``parse_html`` (td/telegram/MessageEntity.cpp), which the real Bot API
server uses for ``parse_mode=HTML``: same tag set, same entity decoding and the same error messages
(``Unsupported start tag "x" at byte offset N`` ...), so that unescaped ``<``/``&`` in a bot's output
fail here as they would in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

JSONDict = dict[str, Any]

_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#x([0-9a-fA-F]*)|#([0-9]*)|([a-zA-Z]*))(;?)")
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


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output text
    out_pos: int  # index into the output chunk list


class _HtmlParser:
    """One-shot port of tdlib's HTML entity parser (see module docstring)."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSONDict] = []

    def fail(self, message: str) -> EntityParseError:
        return EntityParseError(message)

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode())

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[JSONDict]]:
        i, src = 0, self.src
        while i < len(src):
            if src[i] == "&" and (decoded := self.decode_entity(i)) is not None:
                chunk, i = decoded
                self.emit(chunk)
            elif src[i] != "<":
                self.emit(src[i])
                i += 1
            elif src[i + 1 : i + 2] == "/":
                i = self.close_tag(i)
            else:
                i = self.open_tag(i)
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def decode_entity(self, i: int) -> tuple[str, int] | None:
        m = _ENTITY_RE.match(self.src, i)
        if m is None:
            return None
        hex_digits, dec_digits, name, _ = m.groups()
        if name is not None:
            char = _NAMED_ENTITIES.get(name)
        else:
            code = int(hex_digits or "0", 16) if hex_digits is not None else int(dec_digits or "0")
            if code == 0 or code >= 0x10FFFF or m.end(2 if hex_digits is None else 1) - i >= 10:
                return None
            if 0xD800 <= code <= 0xDFFF:
                raise self.fail(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            char = chr(code)
        return None if char is None else (char, m.end())

    def skip_spaces(self, i: int) -> int:
        while i < len(self.src) and self.src[i].isspace():
            i += 1
        return i

    def open_tag(self, begin: int) -> int:
        src, i = self.src, begin + 1
        while i < len(src) and not src[i].isspace() and src[i] != ">":
            i += 1
        if i >= len(src):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 1 : i].lower()
        if name not in _TAGS:
            raise self.fail(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        argument, i = self.attributes(name, begin, i)
        if name == "span" and argument != "spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.out)))
        return i + 1

    def attributes(self, tag: str, begin: int, i: int) -> tuple[str, int]:
        src, argument = self.src, ""
        unclosed = f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}'
        while True:
            i = self.skip_spaces(i)
            if i >= len(src):
                raise self.fail(unclosed)
            if src[i] == ">":
                return argument, i
            attr_begin = i
            while i < len(src) and not src[i].isspace() and src[i] not in "=>/\"'":
                i += 1
            attr = src[attr_begin:i]
            if not attr:
                raise self.fail(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}')
            i = self.skip_spaces(i)
            if i >= len(src):
                raise self.fail(unclosed)
            if src[i] != "=":
                if tag == "blockquote" and attr == "expandable":
                    argument = "1"
                continue
            i = self.skip_spaces(i + 1)
            if i >= len(src):
                raise self.fail(unclosed)
            value, i = self.attribute_value(begin, i)
            argument = _tag_argument(tag, attr, value, argument)

    def attribute_value(self, begin: int, i: int) -> tuple[str, int]:
        src = self.src
        if src[i] not in "'\"":
            start = i
            while i < len(src) and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            if i >= len(src) or (not src[i].isspace() and src[i] != ">"):
                raise self.fail(f"Unexpected end of name token at byte offset {self.byte_offset(start)}")
            return src[start:i].lower(), i
        quote, i, chunks = src[i], i + 1, []
        while i < len(src) and src[i] != quote:
            decoded = self.decode_entity(i) if src[i] == "&" else None
            chunks.append(decoded[0] if decoded else src[i])
            i = decoded[1] if decoded else i + 1
        if i >= len(src) or i + 1 >= len(src):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        return "".join(chunks), i + 1

    def close_tag(self, begin: int) -> int:
        src = self.src
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while i < len(src) and not src[i].isspace() and src[i] != ">":
            i += 1
        end_name = src[begin + 2 : i].lower()
        i = self.skip_spaces(i)
        if i >= len(src) or src[i] != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if end_name and end_name != top.name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.name}>", found "</{end_name}>"'
            )
        self.stack.pop()
        if self.utf16 > top.offset:
            self.add_entity(top)
        return i + 1

    def add_entity(self, tag: _OpenTag) -> None:
        base = {"offset": tag.offset, "length": self.utf16 - tag.offset}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (base["offset"], base["length"])
        if tag.name in _SIMPLE_TAGS:
            self.entities.append({"type": _SIMPLE_TAGS[tag.name], **base})
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise self.fail("Invalid custom emoji identifier specified")
            self.entities.append({"type": "custom_emoji", **base, "custom_emoji_id": tag.argument})
        elif tag.name == "a":
            url = tag.argument or "".join(self.out[tag.out_pos :])
            self.entities.append({"type": "text_link", **base, "url": url})
        elif tag.name == "pre" and same_span and last and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        elif tag.name == "code" and same_span and last and last["type"] == "pre" and tag.argument:
            last["language"] = tag.argument
        elif tag.name in ("pre", "code"):
            self.entities.append({"type": tag.name, **base, **({"language": tag.argument} if tag.argument else {})})
        elif tag.name == "blockquote":
            self.entities.append({"type": "expandable_blockquote" if tag.argument else "blockquote", **base})
        # tg-time without a valid unix time produces no entity; we never produce date_time entities.


def _tag_argument(tag: str, attr: str, value: str, current: str) -> str:
    if tag == "a" and attr == "href":
        return value
    if tag == "code" and attr == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attr == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attr == "emoji-id":
        return value
    if tag == "blockquote" and attr == "expandable":
        return "1"
    return current


def parse_html(src: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into ``(plain_text, entities)``; raise ``EntityParseError`` like Telegram."""
    return _HtmlParser(src).run()


def render_text(text: str, parse_mode: str | None, entities: list[JSONDict] | None) -> tuple[str, list[JSONDict]]:
    """What Telegram stores for an outgoing text: plain text plus entities.

    Explicit ``entities`` win over ``parse_mode`` (as in the Bot API). Only HTML is parsed; Markdown and
    MarkdownV2 texts are stored unchanged, without entities.
    """
    if entities:
        return text, entities
    if parse_mode and parse_mode.lower() == "html":
        return parse_html(text)
    return text, []
