"""Outgoing messages as Matrix event contents. Pure functions: no I/O, no nio.

A card is an `m.room.message` with a plain `body` and an HTML `formatted_body` (everything escaped). Its
buttons become reactions the bot adds itself, one per button, whose key is exactly the label; the body lists
them as `[Label]` on its last line so clients without reactions still show them. A button that opens the
private chat (`DM_LINK`) is a matrix.to link to the bot instead; other url buttons are plain links.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from magbot.core.context import DM_LINK
from magbot.core.events import Button

Buttons = tuple[tuple[Button, ...], ...]

POLL_START = "m.poll.start"
POLL_END = "m.poll.end"
UNSTABLE_POLL_START = "org.matrix.msc3381.poll.start"
UNSTABLE_POLL_END = "org.matrix.msc3381.poll.end"
UNSTABLE_TEXT = "org.matrix.msc1767.text"
POLL_RESPONSES = ("m.poll.response", "org.matrix.msc3381.poll.response")


def matrix_to(user_id: str) -> str:
    return f"https://matrix.to/#/{user_id}"


def flat(buttons: Buttons) -> list[Button]:
    return [button for row in buttons for button in row]


def reaction_buttons(buttons: Buttons) -> list[Button]:
    """The buttons that become reactions (not links), first label wins when two share one."""
    seen: dict[str, Button] = {}
    for button in flat(buttons):
        if not button.url and button.label not in seen:
            seen[button.label] = button
    return list(seen.values())


def button_map(buttons: Buttons) -> dict[str, str]:
    """label -> data, what `mx:card:<event_id>` keeps."""
    return {button.label: button.data for button in reaction_buttons(buttons)}


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _link_target(button: Button, bot_user_id: str) -> str:
    return matrix_to(bot_user_id) if button.url == DM_LINK else button.url


def message_content(text: str, buttons: Buttons, bot_user_id: str, spoiler: bool = False) -> dict[str, Any]:
    """A card's `m.room.message` content: text, link buttons, then `[Label] [Label]`."""
    body_lines, html_lines = [text], [f"<span data-mx-spoiler>{_html(text)}</span>" if spoiler else _html(text)]
    links = [b for b in flat(buttons) if b.url]
    for link in links:
        target = _link_target(link, bot_user_id)
        body_lines.append(f"{link.label}: {target}")
        html_lines.append(f'<a href="{html.escape(target, quote=True)}">{html.escape(link.label)}</a>')
    labels = [b.label for b in reaction_buttons(buttons)]
    if labels:
        body_lines.append(" ".join(f"[{label}]" for label in labels))
        html_lines.append(" ".join(f"<b>[{html.escape(label)}]</b>" for label in labels))
    separator = "\n\n" if len(body_lines) > 1 else ""
    body = body_lines[0] + separator + "\n".join(body_lines[1:])
    formatted = html_lines[0] + ("<br><br>" if len(html_lines) > 1 else "") + "<br>".join(html_lines[1:])
    return {"msgtype": "m.text", "body": body, "format": "org.matrix.custom.html", "formatted_body": formatted}


def notice_content(text: str, reply_to: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"msgtype": "m.notice", "body": text}
    if reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content


def in_thread(content: dict[str, Any], root_event_id: str) -> dict[str, Any]:
    """Put a message in the thread under `root_event_id` (with the reply fallback for older clients)."""
    return {
        **content,
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": root_event_id,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": root_event_id},
        },
    }


def edit_content(event_id: str, new: dict[str, Any]) -> dict[str, Any]:
    """An `m.replace` edit of `event_id` whose new content is `new` (a `message_content`)."""
    return {
        "msgtype": new.get("msgtype", "m.text"),
        "body": "* " + new["body"],
        "format": "org.matrix.custom.html",
        "formatted_body": "* " + new.get("formatted_body", _html(new["body"])),
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


def reaction_content(event_id: str, key: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}


def poll_start_content(
    question: str, options: Sequence[str], multi: bool, anonymous: bool
) -> tuple[dict[str, Any], list[str]]:
    """`m.poll.start` content with the MSC3381 unstable fallback and a text fallback; answer ids are "0".."n".

    Matrix cannot hide who voted (each vote is an event from the voter). An anonymous poll is sent
    `undisclosed` (results hidden until it ends), a named one `disclosed`.
    """
    answers = [str(index) for index in range(len(options))]
    fallback = question + "\n" + "\n".join(f"{index + 1}. {option}" for index, option in enumerate(options))
    max_selections = len(options) if multi else 1
    pairs = list(zip(answers, options, strict=True))
    unstable = {
        "kind": "org.matrix.msc3381.poll." + ("undisclosed" if anonymous else "disclosed"),
        "max_selections": max_selections,
        "question": {UNSTABLE_TEXT: question, "body": question},
        "answers": [{"id": answer, UNSTABLE_TEXT: option} for answer, option in pairs],
    }
    stable = {
        "kind": "m." + ("undisclosed" if anonymous else "disclosed"),
        "max_selections": max_selections,
        "question": {"m.text": [{"body": question}]},
        "answers": [{"m.id": answer, "m.text": [{"body": option}]} for answer, option in pairs],
    }
    content = {
        "m.poll": stable,
        UNSTABLE_POLL_START: unstable,
        "m.text": [{"body": fallback}],
        UNSTABLE_TEXT: fallback,
    }
    return content, answers


def poll_end_content(start_event_id: str, text: str = "The poll has ended.") -> dict[str, Any]:
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id},
        "m.poll.end": {},
        UNSTABLE_POLL_END: {},
        "m.text": [{"body": text}],
        UNSTABLE_TEXT: text,
    }


def poll_selections(content: dict[str, Any]) -> list[str] | None:
    """The answer ids of an `m.poll.response` (stable or MSC3381 form); None when the content has none."""
    if isinstance(content.get("m.selections"), list):
        return [str(answer) for answer in content["m.selections"]]
    for key in POLL_RESPONSES:
        inner = content.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("answers"), list):
            return [str(answer) for answer in inner["answers"]]
    return None


def file_content(name: str, mime: str, size: int, url: str | None, encrypted: dict[str, Any] | None) -> dict[str, Any]:
    """`m.image` for images, `m.file` otherwise; an encrypted room gets the `file` (keys) object."""
    content: dict[str, Any] = {
        "msgtype": "m.image" if mime.startswith("image/") else "m.file",
        "body": name,
        "filename": name,
        "info": {"mimetype": mime, "size": size},
    }
    if encrypted is not None:
        content["file"] = encrypted
    else:
        content["url"] = url
    return content


def label_key(label: str) -> str:
    """Reaction keys compared loosely: no emoji variation selectors, straight quotes, case folded."""
    return label.replace("\ufe0f", "").replace("\u2019", "'").replace("\u2018", "'").strip().casefold()


def find_label(labels: Iterable[str], key: str) -> str | None:
    if key in labels:
        return key
    wanted = label_key(key)
    return next((label for label in labels if label_key(label) == wanted), None)
