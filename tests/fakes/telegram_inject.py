"""Update injection for the fake Telegram Bot API: what users do, turned into queued ``Update``s.

Mixed into ``FakeTelegramServer``; every ``inject_*`` call updates the server's world (members, votes,
join requests...) the way Telegram would, queues one update with the next ``update_id`` and returns the
update ``dict``.
"""

from __future__ import annotations

import copy

from .telegram_messages import sync_poll_message
from .telegram_objects import ChatInfo, JSONDict, MemberState, compact
from .telegram_state import BotState
from .telegram_text import auto_entities


class InjectMixin:
    """``inject_*`` methods; needs ``state`` and ``_enqueue`` from the server."""

    state: BotState

    def _enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        raise NotImplementedError

    def _user(self, user_id: int, first_name: str | None, username: str | None = None) -> JSONDict:
        st = self.state
        if first_name is None and user_id in st.users:
            return st.user(user_id)
        return st.remember_user(user_id, first_name or f"User{user_id}", username)

    def _chat(self, chat_id: int, user_id: int) -> ChatInfo:
        if chat_id > 0 and chat_id != user_id:
            raise ValueError(f"a private chat's id is its user's id: chat_id={chat_id}, user_id={user_id}")
        chat = self.state.chat(chat_id)
        if chat.type == "private":
            chat.first_name = self.state.user(user_id)["first_name"]
        return chat

    def inject_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        is_topic_message: bool = False,
    ) -> JSONDict:
        """A user's text message: private for positive chat ids, else in a supergroup.

        Commands and @mentions get their entities; a private message starts the bot for the user (it may
        write to him from then on); a group message makes the user a member; ``is_topic_message`` makes
        the chat a forum with that topic.
        """
        st = self.state
        sender = self._user(user_id, first_name)
        chat = self._chat(chat_id, user_id)
        if chat.type == "private":
            st.started.add(user_id)
        elif st.member(chat.id, user_id).status == "left":
            st.set_member(chat.id, user_id, MemberState("member"))
        thread: JSONDict = {}
        if message_thread_id is not None:
            if is_topic_message:
                chat.is_forum = True
                chat.topics.setdefault(message_thread_id, f"Topic {message_thread_id}")
            thread = {"message_thread_id": message_thread_id, "is_topic_message": True if is_topic_message else None}
        reply = st.reply_target(chat.id, reply_to_message_id) if reply_to_message_id is not None else None
        entities = auto_entities(text) or None
        message = st.new_message(chat, sender, **thread, reply_to_message=reply, text=text, entities=entities)
        return self._enqueue("message", message)

    def inject_callback_query(
        self, user_id: int, data: str, message_chat_id: int, message_id: int, *, first_name: str | None = None
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
            "from": self._user(user_id, first_name),
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
        poll_update: str = "before",
    ) -> JSONDict:
        """A vote (``[]`` retracts it) on a non-anonymous poll: the ``poll_answer`` update Telegram sends.

        Telegram also sends the poll's new state (a ``poll`` update: id, question, options, counts, never who)
        for a poll the bot sent; the Bot API does not promise which of the two comes first, so ``poll_update``
        is ``"before"``, ``"after"`` or ``"none"``. Returns the ``poll_answer`` update.
        """
        poll = self.state.polls[poll_id]
        if poll.is_anonymous:
            raise ValueError("Telegram tells nobody who voted in an anonymous poll")
        if poll.is_closed:
            raise ValueError("the poll is closed")
        if any(not 0 <= i < len(poll.options) for i in option_ids) or len(set(option_ids)) != len(option_ids):
            raise ValueError(f"invalid option ids {option_ids} for a poll with {len(poll.options)} options")
        if len(option_ids) > 1 and not poll.allows_multiple_answers:
            raise ValueError("the poll does not allow multiple answers")
        if poll_update not in ("before", "after", "none"):
            raise ValueError(f"poll_update is before, after or none, not {poll_update!r}")
        poll.votes[user_id] = list(option_ids)
        sync_poll_message(self.state, poll)
        if poll_update == "before":
            self._enqueue("poll", poll.to_json())
        answer = {
            "poll_id": poll.id,
            "user": self._user(user_id, first_name),
            "option_ids": list(option_ids),
            "option_persistent_ids": [poll.persistent_id(i) for i in option_ids],
        }
        queued = self._enqueue("poll_answer", answer)
        if poll_update == "after":
            self._enqueue("poll", poll.to_json())
        return queued

    def inject_chat_join_request(self, chat_id: int, user_id: int, first_name: str | None = None) -> JSONDict:
        """A request to join ``chat_id`` (approve/decline it with the Bot API methods)."""
        st = self.state
        user, chat = self._user(user_id, first_name), st.chat(chat_id)
        st.join_requests.add((chat.id, user_id))
        payload = {"chat": chat.to_json(), "from": user, "user_chat_id": user_id, "date": st.now()}
        return self._enqueue("chat_join_request", payload)

    def inject_chat_member_update(
        self,
        chat_id: int,
        user_id: int,
        *,
        old_status: str = "left",
        new_status: str = "member",
        first_name: str | None = None,
    ) -> JSONDict:
        """A ``chat_member`` update (join, leave, ban...). Telegram only delivers these when the bot's
        ``allowed_updates`` lists ``"chat_member"``; so does this fake (filtered at delivery)."""
        st = self.state
        user = self._user(user_id, first_name)
        chat = st.chat(chat_id)
        new = MemberState(new_status)
        st.set_member(chat.id, user_id, new)
        payload = compact(
            chat=chat.to_json(),
            **{"from": user},
            date=st.now(),
            old_chat_member=MemberState(old_status).to_json(user),
            new_chat_member=new.to_json(user),
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
    ) -> JSONDict:
        """The bot's own status changed by ``user_id``: in a private chat ``kicked`` means the user blocked
        the bot (sends then fail with 403 "bot was blocked by the user") and ``member`` unblocks it."""
        st = self.state
        actor = self._user(user_id, first_name)
        chat = self._chat(chat_id, user_id)
        bot, new = st.bot_user, MemberState(new_status)
        st.set_member(chat.id, st.bot_id, new)
        payload = {
            "chat": chat.to_json(),
            "from": actor,
            "date": st.now(),
            "old_chat_member": MemberState(old_status).to_json(bot),
            "new_chat_member": new.to_json(bot),
        }
        return self._enqueue("my_chat_member", payload)

    def inject_group_upgrade(self, old_id: int, new_id: int, user_id: int) -> tuple[JSONDict, JSONDict]:
        """``user_id`` turns a basic group into a supergroup, as Telegram does (turning on topics or join requests
        does it): members move over, the old chat refuses sends (400 with ``migrate_to_chat_id``) but keeps its
        messages, and two service messages come: ``migrate_to_chat_id`` in the old chat, ``migrate_from_chat_id``
        in the new one (from the bot's view, sent by the user who upgraded)."""
        st = self.state
        actor = self._user(user_id, None)
        old, new = st.chat(old_id, "group"), st.chat(new_id, "supergroup")
        new.title = old.title
        for (chat_id, member_id), state in list(st.members.items()):
            if chat_id == old_id:
                st.set_member(new_id, member_id, state)
        old.migrated_to = new_id
        to = self._enqueue("message", st.new_message(old, actor, migrate_to_chat_id=new_id))
        return to, self._enqueue("message", st.new_message(new, actor, migrate_from_chat_id=old_id))

    def inject_raw(self, update: JSONDict) -> JSONDict:
        """Queue an arbitrary update (its ``update_id``, if any, is replaced by the next one)."""
        payload = {key: value for key, value in update.items() if key != "update_id"}
        if len(payload) != 1:
            raise ValueError("an update carries exactly one of message, callback_query, ...")
        ((kind, body),) = payload.items()
        return self._enqueue(kind, copy.deepcopy(body))
