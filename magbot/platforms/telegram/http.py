"""The Bot API's HTTP for sends, on aiohttp: PTB's public transport hook (`BaseRequest`), not its httpx one.

Each send through PTB's default `HTTPXRequest` costs more Python than all the rest of an update (httpx,
httpcore's pool rescanning and polling its idle connections, anyio's stream wrappers, h11): about half of
magbot's CPU per update in the Telegram bench. aiohttp (already a dependency: the webhook server) parses HTTP in
C and keeps a plain connection pool. Only the transport changes: PTB still builds every request and reads every
answer, raises its own errors (`TimedOut` for a timeout, `NetworkError` for anything else on the way), and the
same timeouts apply (5 s to connect, write and read; 20 s to write a file; a wait for a free connection counts
against the connect timeout).

getUpdates keeps its own httpx `UpdatesRequest` (client.py): one call at a time, long-polled, off the hot path.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

CONNECTIONS = 64  # the sender runs up to `RatePolicy.parallel_chats` (16) sends at once; room to spare
TIMEOUT = 5.0  # connect, write and read, as PTB's HTTPXRequest
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one aiohttp session (made at `initialize`, closed at `shutdown`)."""

    def __init__(self, connections: int = CONNECTIONS, timeout: float = TIMEOUT) -> None:
        self._connections, self._timeout = connections, timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, ttl_dns_cache=300)
            # No cookies (the Bot API sets none), no proxy from the environment: as PTB's own client does.
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`: the answer's status and body; PTB's errors for a failed exchange."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data is not None else None
        timeout = aiohttp.ClientTimeout(
            connect=self._given(connect_timeout, self._timeout),
            sock_read=self._given(read_timeout, self._timeout),
            # aiohttp has no write timeout of its own: the whole exchange is bounded by write + read instead.
            total=self._total(read_timeout, write_timeout, connect_timeout, bool(files)),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data, files), timeout=timeout, headers={"User-Agent": self.USER_AGENT}
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:  # the class only: a description may hold the URL, and the token with it
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err

    def _given(self, value: Any, default: float | None) -> float | None:
        return default if value is BaseRequest.DEFAULT_NONE else value

    def _total(self, read: Any, write: Any, connect: Any, upload: bool) -> float | None:
        parts = [
            self._given(connect, self._timeout),
            self._given(write, MEDIA_WRITE_TIMEOUT if upload else self._timeout),
            self._given(read, self._timeout),
        ]
        return None if any(part is None for part in parts) else sum(p for p in parts if p is not None)


def _body(request_data: RequestData | None, files: dict[str, Any] | None) -> Any:
    """A form of the request's parameters (as PTB's JSON-encoded strings), multipart when it carries files."""
    fields = request_data.json_parameters if request_data is not None else {}
    if not files:
        return fields or None
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
