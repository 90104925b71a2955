"""Update injection for the fake Telegram Bot API: what users do, turned into queued ``Update``s.

Mixed into ``FakeTelegramServer``; every ``inject_*`` call updates the server's world (members, votes,
join requests...) the way Telegram would, queues one update with the next ``update_id`` and returns the
update ``dict``.
"""

from __future__ import annotations

import copy
from typing import Any

from .telegram_messages import sync_poll_message
from .telegram_objects import ChatInfo, JSONDict, MemberState, compact
from .telegram_state import BotState
from .telegram_text import auto_entities


class InjectMixin:
    """``inject_*`` methods; needs ``state`` and ``_enqueue`` from the server."""

    state: BotState

    def _enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        raise NotImplementedError

    def _user(self, user_id: int, first_name: str | None, username: str | None, **extra: Any) -> JSONDict:
        st = self.state
        if first_name is None and user_id in st.users:
            return st.user(user_id)
        return st.remember_user(user_id, first_name or f"User{user_id}", username=username, **extra)

    def _chat(self, chat_id: int, user_id: int, chat_type: str | None) -> ChatInfo:
        kind = chat_type or ("private" if chat_id > 0 else "supergroup")
        if kind == "private" and chat_id != user_id:
            raise ValueError(f"a private chat's id is its user's id: chat_id={chat_id}, user_id={user_id}")
        chat = self.state.chat(chat_id, kind)
        if kind == "private":
            user = self.state.user(user_id)
            chat.first_name, chat.username = user["first_name"], user.get("username")
        return chat

    def inject_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        chat_type: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        is_topic_message: bool = False,
    ) -> JSONDict:
        """A user's text message; ``chat_type`` defaults to private for positive ids, else supergroup.

        Commands and @mentions get their entities; a private message starts the bot for the user (it may
        write to him from then on); a group message makes the user a member; ``is_topic_message`` makes
        the chat a forum with that topic.
        """
        st = self.state
        sender = self._user(user_id, first_name, username, last_name=last_name, language_code=language_code)
        chat = self._chat(chat_id, user_id, chat_type)
        if chat.type == "private":
            st.started.add(user_id)
        elif st.member(chat.id, user_id).status == "left":
            st.set_member(chat.id, user_id, MemberState("member"))
        thread: JSONDict = {}
        if message_thread_id is not None:
            if is_topic_message:
                chat.is_forum = True
                chat.topics.setdefault(message_thread_id, f"Topic {message_thread_id}")
            thread = {
                "message_thread_id": message_thread_id,
                "is_topic_message": True if is_topic_message else None,
            }
        reply = st.reply_target(chat.id, reply_to_message_id) if reply_to_message_id is not None else None
        message = st.new_message(
            chat, sender, **thread, reply_to_message=reply, text=text, entities=auto_entities(text) or None
        )
        return self._enqueue("message", message)

    def inject_callback_query(
        self,
        user_id: int,
        data: str,
        message_chat_id: int,
        message_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """A button press on message ``message_id`` (as currently stored, edits included).

        Like Telegram, an unknown message is sent as an inaccessible one (``date`` 0), which PTB 22.8
        parses as a ``Message`` whose ``is_accessible`` is False.
        """
        st = self.state
        query_id = str(4_000_000_000_000_000_000 + st.next_id())
        st.pending_callbacks.add(query_id)
        message = copy.deepcopy(st.find_message(message_chat_id, message_id))
        inaccessible = {"chat": st.chat(message_chat_id).to_json(), "message_id": message_id, "date": 0}
        payload = {
            "id": query_id,
            "from": self._user(user_id, first_name, username),
            "message": message or inaccessible,
            "chat_instance": str((message_chat_id * 2_654_435_761) % 2**63),
            "data": data,
        }
        return self._enqueue("callback_query", payload)

    def inject_poll_answer(
        self,
        poll_id: str,
        user_id: int,
        option_ids: list[int],
        *,
        first_name: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """A vote (``[]`` retracts it). Non-anonymous polls yield a ``poll_answer`` update; with
        ``emit_poll_updates`` a ``poll`` update with the new counts follows, as Telegram sends for the
        bot's own polls. Returns the ``poll_answer`` update (the ``poll`` one for anonymous polls).
        """
        st = self.state
        poll = st.polls[poll_id]
        _check_vote(
            poll.is_closed,
            poll.allows_multiple_answers,
            poll.allows_revoting,
            user_id in poll.votes,
            option_ids,
            len(poll.options),
        )
        poll.votes[user_id] = list(option_ids)
        sync_poll_message(st, poll)
        answer: JSONDict | None = None
        if not poll.is_anonymous:
            answer = self._enqueue(
                "poll_answer",
                {
                    "poll_id": poll.id,
                    "user": self._user(user_id, first_name, username),
                    "option_ids": list(option_ids),
                    "option_persistent_ids": [poll.persistent_ids[i] for i in option_ids],
                },
            )
        poll_update = self._enqueue("poll", poll.to_json()) if st.emit_poll_updates or poll.is_anonymous else None
        return answer or poll_update or {}

    def inject_chat_join_request(
        self,
        chat_id: int,
        user_id: int,
        first_name: str | None = None,
        *,
        username: str | None = None,
        bio: str | None = None,
        invite_link: str | None = None,
    ) -> JSONDict:
        """A request to join ``chat_id`` (approve/decline it with the Bot API methods)."""
        st = self.state
        user = self._user(user_id, first_name, username)
        chat = st.chat(chat_id)
        st.join_requests.add((chat.id, user_id))
        link = None
        if invite_link is not None:
            link = {
                "invite_link": invite_link,
                "creator": st.bot_user,
                "creates_join_request": True,
                "is_primary": False,
                "is_revoked": False,
            }
        payload = compact(
            chat=chat.to_json(),
            **{"from": user},
            user_chat_id=user_id,
            date=st.now(),
            bio=bio,
            invite_link=link,
        )
        return self._enqueue("chat_join_request", payload)

    def inject_chat_member_update(
        self,
        chat_id: int,
        user_id: int,
        *,
        old_status: str = "left",
        new_status: str = "member",
        first_name: str | None = None,
        username: str | None = None,
        actor_id: int | None = None,
        via_join_request: bool = False,
    ) -> JSONDict:
        """A ``chat_member`` update (join, leave, ban...). Telegram only delivers these when the bot's
        ``allowed_updates`` lists ``"chat_member"``; so does this fake (filtered at delivery)."""
        st = self.state
        user = self._user(user_id, first_name, username)
        chat = st.chat(chat_id)
        old, new = st.member(chat.id, user_id), MemberState(new_status)
        if old.status != old_status:
            old = MemberState(old_status)
        st.set_member(chat.id, user_id, new)
        payload = compact(
            chat=chat.to_json(),
            **{"from": st.user(actor_id) if actor_id else user},
            date=st.now(),
            old_chat_member=old.to_json(user),
            new_chat_member=new.to_json(user),
            via_join_request=True if via_join_request else None,
        )
        return self._enqueue("chat_member", payload)

    def inject_my_chat_member(
        self,
        chat_id: int,
        user_id: int,
        *,
        old_status: str = "member",
        new_status: str = "kicked",
        first_name: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """The bot's own status changed by ``user_id``: in a private chat ``kicked`` means the user blocked
        the bot (sends then fail with 403 "bot was blocked by the user") and ``member`` unblocks it."""
        st = self.state
        actor = self._user(user_id, first_name, username)
        chat = self._chat(chat_id, user_id, None) if chat_id > 0 else st.chat(chat_id)
        bot = st.bot_user
        new = MemberState(new_status)
        st.set_member(chat.id, st.bot_id, new)
        payload = {
            "chat": chat.to_json(),
            "from": actor,
            "date": st.now(),
            "old_chat_member": MemberState(old_status).to_json(bot),
            "new_chat_member": new.to_json(bot),
        }
        return self._enqueue("my_chat_member", payload)

    def inject_raw(self, update: JSONDict) -> JSONDict:
        """Queue an arbitrary update (its ``update_id``, if any, is replaced by the next one)."""
        payload = {key: value for key, value in update.items() if key != "update_id"}
        if len(payload) != 1:
            raise ValueError("an update carries exactly one of message, callback_query, ...")
        ((kind, body),) = payload.items()
        return self._enqueue(kind, copy.deepcopy(body))


def _check_vote(closed: bool, multiple: bool, revoting: bool, voted: bool, options: list[int], count: int) -> None:
    if closed:
        raise ValueError("the poll is closed")
    if any(not 0 <= i < count for i in options) or len(set(options)) != len(options):
        raise ValueError(f"invalid option ids {options} for a poll with {count} options")
    if len(options) > 1 and not multiple:
        raise ValueError("the poll does not allow multiple answers")
    if voted and not revoting:
        raise ValueError("the poll does not allow changing a vote")
