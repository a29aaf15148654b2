"""A fake Telegram Bot API HTTP server for tests (stdlib only, loopback only).

Why: end-to-end tests and load benchmarks must drive the real python-telegram-bot stack
(HTTPXRequest, Updater long polling, Application handlers) without touching the network.
Point PTB at it with ``ApplicationBuilder().token(api.token).base_url(api.base_url)
.base_file_url(api.base_file_url)``, inject updates with ``send_text`` / ``send_command`` /
``press`` and assert on ``api.sent(chat_id)``.

PTB 22 sends every request as a POST with a form-encoded body (``multipart/form-data`` when
files are attached) whose non-string values are JSON-encoded strings (``chat_id=42``,
``reply_markup={"inline_keyboard": ...}``). JSON bodies are accepted too. Every value is
decoded back into Python objects, except for parameters that are always strings (``text``…).

Behaviour copied from the real API because bots must cope with it:
- ``sendMessage`` rejects empty text and text longer than 4096 characters (400);
- ``callback_data`` longer than 64 bytes is rejected (400 ``BUTTON_DATA_INVALID``);
- ``editMessageText`` with the same text and markup answers 400 "message is not modified".
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

JSONDict = dict[str, Any]
# One scripted failure: an HTTP status, or (status, retry_after seconds | description).
FailSpec = int | tuple[int, int | float | str]

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_BODY_BYTES = 64 * 1024 * 1024

# Parameters that are always plain strings: never JSON-decode them ("123" must stay text).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "action",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
        "emoji",
        "ip_address",
        "query",
        "title",
    }
)

# Methods that only need to answer ``True``.
TRUE_METHODS = frozenset(
    {
        "deleteWebhook",
        "setWebhook",
        "close",
        "logOut",
        "sendChatAction",
        "deleteMyCommands",
        "setMyDescription",
        "setMyShortDescription",
        "setMyName",
        "setChatMenuButton",
    }
)

DEFAULT_ERRORS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Call:
    """One recorded Bot API request; failed ones too, so tests can count attempts."""

    method: str
    params: JSONDict
    status: int = 200
    token: str = ""
    files: dict[str, JSONDict] = field(default_factory=dict)
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    def __getitem__(self, key: str) -> Any:
        """Allow dict-style access (``call["method"]``) as well as attributes."""
        return getattr(self, key)

    def __repr__(self) -> str:
        """Keep assertion messages short: long texts are truncated."""
        shown = {
            k: (v[:60] + "…" if isinstance(v, str) and len(v) > 60 else v)
            for k, v in self.params.items()
        }
        return f"<{self.method} {self.status} {shown}>"


class _ApiError(Exception):
    """Raised inside a method implementation to answer ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _error_body(status: int, description: str, parameters: JSONDict | None = None) -> JSONDict:
    """Build the JSON error envelope Telegram uses."""
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _decode_value(key: str, value: Any) -> Any:
    """Undo PTB's JSON-encoding of a single form value (strings stay strings)."""
    if not isinstance(value, str) or key in STRING_PARAMS:
        return value
    stripped = value.strip()
    if not stripped:
        return value
    if stripped[0] in '{["-0123456789' or stripped in ("true", "false", "null"):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _normalise(params: JSONDict) -> JSONDict:
    """Decode every parameter value; turn numeric-string chat ids into ints."""
    out = {k: _decode_value(k, v) for k, v in params.items()}
    chat_id = out.get("chat_id")
    if isinstance(chat_id, str):
        with contextlib.suppress(ValueError):
            out["chat_id"] = int(chat_id)
    return out


def _parse_multipart(content_type: str, body: bytes) -> tuple[JSONDict, dict[str, JSONDict]]:
    """Split a multipart/form-data body into text fields and file descriptions."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    params: JSONDict = {}
    files: dict[str, JSONDict] = {}
    if not message.is_multipart():
        return params, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            info = {
                "file_name": filename,
                "size": len(data),
                "content_type": part.get_content_type(),
            }
            files[name] = info
            params.setdefault(name, info)
        else:
            charset = part.get_content_charset() or "utf-8"
            params[name] = data.decode(charset, errors="replace")
    return params, files


def _utf16_len(text: str) -> int:
    """Entity offsets/lengths are counted in UTF-16 code units, as Telegram does."""
    return len(text.encode("utf-16-le")) // 2


def _callback_data_too_long(markup: Any) -> bool:
    """True if any inline button's callback_data exceeds Telegram's 64-byte limit."""
    if not isinstance(markup, dict):
        return False
    for row in markup.get("inline_keyboard") or []:
        for button in row or []:
            data = button.get("callback_data") if isinstance(button, dict) else None
            if isinstance(data, str) and len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
                return True
    return False


def _inline_markup(params: JSONDict) -> JSONDict | None:
    """Only inline keyboards are echoed back in Message.reply_markup (like Telegram)."""
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler; all logic lives in FakeBotAPI.handle_request."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # avoid 40 ms delayed-ACK stalls on keep-alive
    timeout = 30  # idle keep-alive connections eventually free their thread
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: test output must not be polluted."""

    def do_POST(self) -> None:
        """PTB always POSTs."""
        self._serve()

    def do_GET(self) -> None:
        """Accept GET with a query string too (handy from a browser or curl)."""
        self._serve()

    def _read_body(self) -> bytes:
        """Read a Content-Length or chunked body."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY_BYTES:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        """Parse the request, delegate to the API object, never let an exception escape."""
        try:
            body = self._read_body()
        except Exception:
            self.close_connection = True
            self._reply(400, _error_body(400, "Bad Request: unreadable body"))
            return
        try:
            status, payload = self.server.api.handle_request(
                self.path, self.headers.get("Content-Type") or "", body
            )
        except Exception as exc:  # a bug in the fake must not kill the thread
            self.server.api.errors.append(exc)
            status, payload = 400, _error_body(400, f"Bad Request: fake server error: {exc!r}")
        self._reply(status, payload)

    def _reply(self, status: int, payload: JSONDict) -> None:
        """Send one JSON response with an exact Content-Length (needed for keep-alive)."""
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeBotAPI and never blocks on close."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # load tests open hundreds of connections at once
    allow_reuse_address = True

    def __init__(self, api: FakeBotAPI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Swallow socket-level errors (client went away) silently."""


class FakeBotAPI:
    """In-process fake of api.telegram.org; use as ``with FakeBotAPI() as api:``."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        poll_cap: float = 1.0,
        bot_username: str = "helpline_test_bot",
        bot_first_name: str = "Helpline Test Bot",
    ) -> None:
        self.token = token
        self.poll_cap = poll_cap
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.calls: list[Call] = []
        self.errors: list[BaseException] = []  # exceptions raised inside the fake itself
        self.messages: dict[tuple[Any, int], JSONDict] = {}  # (chat_id, message_id) -> msg
        self.commands: list[JSONDict] = []
        self.webhook_url = ""
        self._cond = threading.Condition()
        self._updates: collections.deque[JSONDict] = collections.deque()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._fail: dict[str, collections.deque[FailSpec]] = {}
        self._delay: dict[str, float] = {}
        self._sent_all: list[JSONDict] = []
        self._sent_by_chat: dict[str, list[JSONDict]] = {}
        self._closing = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._handlers: dict[str, Callable[[JSONDict, str], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": lambda p, t: True,
            "deleteMessage": self._delete_message,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p, t: list(self.commands),
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        for name in TRUE_METHODS:
            self._handlers.setdefault(name, lambda p, t: True)
        self._canonical = {name.lower(): name for name in self._handlers}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        """Bind a free loopback port and serve from a daemon thread."""
        if self._server is not None:
            return self
        self._closing = False
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeBotAPI:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake long polls, stop serving and release the port."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)`` (file downloads answer 404)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        """Numeric bot id taken from the token, as Telegram does."""
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else 123456

    @property
    def bot_user(self) -> JSONDict:
        """The bot's User object (``from`` of every bot message)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ------------------------------------------------------------------ fault injection

    def fail_next(self, method: str, responses: Iterable[FailSpec]) -> None:
        """Make the next calls of ``method`` fail: ``[500, 500, (429, 2), (403, "Forbidden…")]``.

        An int is an HTTP status with the stock description; ``(429, n)`` adds
        ``parameters.retry_after = n``; ``(status, "text")`` sets the description.
        """
        with self._cond:
            queue = self._fail.setdefault(method.lower(), collections.deque())
            queue.extend(responses)

    def delay(self, method: str, seconds: float) -> None:
        """Make every call of ``method`` sleep ``seconds`` before answering (0 disables)."""
        with self._cond:
            if seconds > 0:
                self._delay[method.lower()] = seconds
            else:
                self._delay.pop(method.lower(), None)

    # ------------------------------------------------------------------ update injection

    def _user(self, user_id: int, language_code: str | None) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    @staticmethod
    def _chat(chat_id: Any) -> JSONDict:
        if isinstance(chat_id, int) and chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        if isinstance(chat_id, int):
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        return {"id": -1000000000001, "type": "channel", "title": str(chat_id)}

    def _incoming_message(
        self, chat_id: int, user_id: int | None, language_code: str | None
    ) -> JSONDict:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(chat_id if user_id is None else user_id, language_code),
        }

    def send_raw_update(self, update: JSONDict) -> int:
        """Queue any update dict; an ``update_id`` is assigned if missing. Returns it."""
        with self._cond:
            update = dict(update)
            if "update_id" not in update:
                update["update_id"] = next(self._update_ids)
            else:
                uid = int(update["update_id"])
                nxt = next(self._update_ids)
                if nxt <= uid:  # keep later automatic ids above the injected one
                    self._update_ids = itertools.count(uid + 1)
                else:
                    self._update_ids = itertools.count(nxt)
            if self._updates and self._updates[-1]["update_id"] > update["update_id"]:
                ordered = sorted([*self._updates, update], key=lambda u: u["update_id"])
                self._updates = collections.deque(ordered)
            else:
                self._updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def send_text(
        self, chat_id: int, text: str, user_id: int | None = None, language_code: str = "it"
    ) -> int:
        """Queue a private text message from the user; returns the update_id."""
        with self._cond:
            message = self._incoming_message(chat_id, user_id, language_code)
        message["text"] = text
        return self.send_raw_update({"message": message})

    def send_command(
        self, chat_id: int, text: str, user_id: int | None = None, language_code: str = "it"
    ) -> int:
        """Queue ``/cmd args`` with a ``bot_command`` entity, so CommandHandler matches."""
        with self._cond:
            message = self._incoming_message(chat_id, user_id, language_code)
        message["text"] = text
        command = text.split(maxsplit=1)[0] if text.strip() else text
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
        return self.send_raw_update({"message": message})

    def send_sticker(
        self, chat_id: int, user_id: int | None = None, language_code: str = "it"
    ) -> int:
        """Queue a message carrying only a sticker (no text): tests non-text input."""
        with self._cond:
            message = self._incoming_message(chat_id, user_id, language_code)
        message["sticker"] = {
            "file_id": "CAACAgIAAxkBAAFAKE",
            "file_unique_id": "AgADFAKE",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.send_raw_update({"message": message})

    def press(
        self,
        chat_id: int,
        callback_data: str,
        message_id: int | None = None,
        user_id: int | None = None,
        language_code: str = "it",
    ) -> int:
        """Queue a callback_query as if the user tapped a button.

        The attached ``message`` is the bot message ``message_id`` in that chat, defaulting
        to the bot's latest message there (a stub if the bot never wrote to the chat).
        """
        with self._cond:
            message = self._find_bot_message(chat_id, message_id)
            if message is None:
                message = {
                    "message_id": message_id or next(self._message_ids),
                    "date": int(time.time()),
                    "chat": self._chat(chat_id),
                    "from": self.bot_user,
                    "text": "",
                }
            query = {
                "id": str(next(self._callback_ids)),
                "from": self._user(chat_id if user_id is None else user_id, language_code),
                "chat_instance": f"ci{chat_id}",
                "message": json.loads(json.dumps(message)),
                "data": callback_data,
            }
        return self.send_raw_update({"callback_query": query})

    def press_button(
        self, chat_id: int, label: str, user_id: int | None = None, language_code: str = "it"
    ) -> int:
        """Press the button whose text contains ``label`` on the bot's latest keyboard.

        Why: tests read like a user ("tap 'Call now'") instead of hard-coding callback data.
        """
        with self._cond:
            candidates = [m for (cid, _), m in self.messages.items() if str(cid) == str(chat_id)]
        for message in sorted(candidates, key=lambda m: m["message_id"], reverse=True):
            for text, data in self.buttons(message):
                if label.lower() in text.lower() and data is not None:
                    return self.press(chat_id, data, message["message_id"], user_id, language_code)
        raise AssertionError(
            f"no button containing {label!r} in chat {chat_id}; buttons: "
            f"{[self.buttons(m) for m in candidates]}"
        )

    @staticmethod
    def buttons(message: JSONDict | None) -> list[tuple[str, str | None]]:
        """(text, callback_data) of every inline button in a sent message / params dict."""
        if not message:
            return []
        markup = message.get("reply_markup")
        if not isinstance(markup, dict):
            return []
        return [
            (str(b.get("text", "")), b.get("callback_data"))
            for row in markup.get("inline_keyboard") or []
            for b in row or []
            if isinstance(b, dict)
        ]

    def pending_updates(self) -> int:
        """Number of queued updates not yet confirmed by an offset."""
        with self._cond:
            return len(self._updates)

    # ------------------------------------------------------------------ inspection

    def sent(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """sendMessage/editMessageText params in order (successful calls only).

        Each dict has ``method``, ``text``, ``reply_markup`` (dict or None) and ``message_id``.
        """
        with self._cond:
            if chat_id is None:
                return list(self._sent_all)
            return list(self._sent_by_chat.get(str(chat_id), ()))

    def sent_count(self, chat_id: int | str | None = None) -> int:
        """Cheap ``len(sent(chat_id))`` for polling in load tests (no list copy)."""
        with self._cond:
            if chat_id is None:
                return len(self._sent_all)
            return len(self._sent_by_chat.get(str(chat_id), ()))

    def last_sent(self, chat_id: int | str | None = None) -> JSONDict | None:
        """The latest sent/edited message params, or None."""
        with self._cond:
            items = self._sent_all if chat_id is None else self._sent_by_chat.get(str(chat_id), [])
            return items[-1] if items else None

    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls (failed included) of one method."""
        wanted = method.lower()
        with self._cond:
            return [c for c in self.calls if c.method.lower() == wanted]

    def count(self, method: str) -> int:
        """How many times ``method`` was called (failed included)."""
        return len(self.calls_to(method))

    def clear(self) -> None:
        """Forget recorded calls and sent messages (keeps queued updates and bot state)."""
        with self._cond:
            self.calls.clear()
            self._sent_all.clear()
            self._sent_by_chat.clear()

    def wait_for(
        self, predicate: Callable[[FakeBotAPI], Any], timeout: float = 5.0, message: str = ""
    ) -> Any:
        """Poll until ``predicate(api)`` is truthy and return its value.

        Raises AssertionError listing the last calls, so a failing test explains itself.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() >= deadline:
                with self._cond:
                    total = len(self.calls)
                    # idle long polls would drown the interesting calls
                    recent = [c for c in self.calls if c.method != "getUpdates" or c.result][-15:]
                lines = "\n  ".join(repr(c) for c in recent) or "(none)"
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {message or predicate!r}; "
                    f"{total} calls, last {len(recent)}:\n  {lines}"
                    + (f"\nfake server errors: {self.errors!r}" if self.errors else "")
                )
            time.sleep(0.005)

    def wait_sent(
        self, n: int, chat_id: int | str | None = None, timeout: float = 5.0
    ) -> list[JSONDict]:
        """Wait until at least ``n`` messages were sent (to ``chat_id``); return them all."""
        self.wait_for(
            lambda api: api.sent_count(chat_id) >= n,
            timeout=timeout,
            message=f"{n} message(s) sent to chat {chat_id}",
        )
        return self.sent(chat_id)

    async def wait_for_async(
        self, predicate: Callable[[FakeBotAPI], Any], timeout: float = 5.0, message: str = ""
    ) -> Any:
        """``wait_for`` for async tests: runs in a thread so the event loop keeps going."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, message)

    async def wait_sent_async(
        self, n: int, chat_id: int | str | None = None, timeout: float = 5.0
    ) -> list[JSONDict]:
        """``wait_sent`` for async tests (does not block the bot's event loop)."""
        return await asyncio.to_thread(self.wait_sent, n, chat_id, timeout)

    # ------------------------------------------------------------------ request handling

    def handle_request(self, path: str, content_type: str, body: bytes) -> tuple[int, JSONDict]:
        """Route one HTTP request; returns (status, JSON body). Called from server threads."""
        split = urlsplit(path)
        segments = [unquote(s) for s in split.path.split("/") if s]
        if segments and segments[0] == "file":
            return 404, _error_body(404, "Not Found: file downloads are not faked")
        if len(segments) < 2 or not segments[-2].startswith("bot"):
            return 404, _error_body(404, "Not Found")
        token, raw_method = segments[-2][3:], segments[-1]
        method = self._canonical.get(raw_method.lower(), raw_method)

        try:
            params, files = self._parse_params(split.query, content_type, body)
        except _ApiError as err:
            self._record(Call(method, {}, err.status, token))
            return err.status, _error_body(err.status, err.description)

        delay = self._delay.get(method.lower())
        if delay:
            time.sleep(delay)

        with self._cond:
            queue = self._fail.get(method.lower())
            spec = queue.popleft() if queue else None
        if spec is not None:
            status, payload = self._scripted_failure(spec)
            self._record(Call(method, params, status, token, files))
            return status, payload

        handler = self._handlers.get(method)
        if handler is None:
            self._record(Call(method, params, 404, token, files))
            return 404, _error_body(404, "Not Found: method not found")
        try:
            result = handler(params, token)
        except _ApiError as err:
            self._record(Call(method, params, err.status, token, files))
            return err.status, _error_body(err.status, err.description, err.parameters)
        self._record(Call(method, params, 200, token, files, result))
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _parse_params(query: str, content_type: str, body: bytes) -> tuple[JSONDict, dict]:
        """Merge query string + JSON / urlencoded / multipart body into decoded params."""
        params: JSONDict = dict(parse_qsl(query, keep_blank_values=True))
        files: dict[str, JSONDict] = {}
        ctype = content_type.split(";", 1)[0].strip().lower()
        if body:
            if ctype == "application/json" or (not ctype and body.lstrip()[:1] == b"{"):
                try:
                    decoded = json.loads(body)
                except ValueError as exc:
                    raise _ApiError(400, "Bad Request: can't parse JSON body") from exc
                if isinstance(decoded, dict):
                    params.update(decoded)
            elif ctype == "multipart/form-data":
                fields, files = _parse_multipart(content_type, body)
                params.update(fields)
            else:
                text = body.decode("utf-8", errors="replace")
                params.update(parse_qsl(text, keep_blank_values=True))
        return _normalise(params), files

    @staticmethod
    def _scripted_failure(spec: FailSpec) -> tuple[int, JSONDict]:
        """Turn a fail_next entry into an HTTP status and Telegram error body."""
        extra: int | float | str | None = None
        if isinstance(spec, tuple):
            status, extra = int(spec[0]), spec[1]
        else:
            status = int(spec)
        if isinstance(extra, str):
            return status, _error_body(status, extra)
        if status == 429:
            retry_after = int(extra) if extra is not None else 1
            return status, _error_body(
                status,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        try:
            description = DEFAULT_ERRORS.get(status) or HTTPStatus(status).phrase
        except ValueError:
            description = "Error"
        return status, _error_body(status, description)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)

    # ------------------------------------------------------------------ method implementations

    def _get_me(self, params: JSONDict, token: str) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: JSONDict, token: str) -> list[JSONDict]:
        """Long polling: confirm updates below ``offset``, wait ≤ min(timeout, cap) for new."""
        offset = params.get("offset")
        limit = params.get("limit") or 100
        try:
            limit = max(1, min(100, int(limit)))
        except (TypeError, ValueError):
            limit = 100
        try:
            wait = min(float(params.get("timeout") or 0), self.poll_cap)
        except (TypeError, ValueError):
            wait = 0.0
        with self._cond:
            if self.webhook_url:
                raise _ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if isinstance(offset, int) and offset > 0:
                # the queue is kept sorted by update_id, so confirming is O(confirmed)
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
            if wait > 0 and not self._updates:
                self._cond.wait_for(lambda: bool(self._updates) or self._closing, wait)
            if isinstance(offset, int) and offset < 0:
                return list(self._updates)[offset:][:limit]
            return list(itertools.islice(self._updates, limit))

    def _require_chat(self, params: JSONDict) -> Any:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        return chat_id

    def _check_text(self, params: JSONDict) -> str:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        if _callback_data_too_long(params.get("reply_markup")):
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return text

    def _note_sent(self, method: str, params: JSONDict, message: JSONDict | None) -> None:
        """Index a successful send/edit for ``sent()``; caller holds the lock."""
        entry = dict(params)
        entry["method"] = method
        entry.setdefault("reply_markup", None)
        if message is not None:
            entry["message_id"] = message["message_id"]
        self._sent_all.append(entry)
        chat_id = params.get("chat_id")
        if chat_id is not None:
            self._sent_by_chat.setdefault(str(chat_id), []).append(entry)

    def _find_bot_message(self, chat_id: Any, message_id: int | None) -> JSONDict | None:
        """Caller holds the lock."""
        if message_id is not None:
            return self.messages.get((chat_id, int(message_id)))
        latest: JSONDict | None = None
        for (cid, _), msg in self.messages.items():
            if str(cid) == str(chat_id) and (
                latest is None or msg["message_id"] > latest["message_id"]
            ):
                latest = msg
        return latest

    def _send_message(self, params: JSONDict, token: str) -> JSONDict:
        chat_id = self._require_chat(params)
        text = self._check_text(params)
        with self._cond:
            message: JSONDict = {
                "message_id": next(self._message_ids),
                "from": self.bot_user,
                "chat": self._chat(chat_id),
                "date": int(time.time()),
                "text": text,
            }
            markup = _inline_markup(params)
            if markup is not None:
                message["reply_markup"] = markup
            self.messages[(chat_id, message["message_id"])] = message
            self._note_sent("sendMessage", params, message)
            return message

    def _edited(self, params: JSONDict, text: str | None) -> JSONDict | bool:
        """Shared editMessageText / editMessageReplyMarkup logic; caller holds the lock."""
        if params.get("inline_message_id"):
            return True
        chat_id = self._require_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        markup = _inline_markup(params)
        old = self.messages.get((chat_id, message_id))
        if old is None:
            old = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat(chat_id),
                "date": int(time.time()),
                "text": "",
            }
        new_text = old.get("text", "") if text is None else text
        if new_text == old.get("text") and markup == old.get("reply_markup"):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a content and reply markup of the "
                "current message",
            )
        message = {k: v for k, v in old.items() if k != "reply_markup"}
        message["text"] = new_text
        message["edit_date"] = int(time.time())
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[(chat_id, message_id)] = message
        return message

    def _edit_message_text(self, params: JSONDict, token: str) -> JSONDict | bool:
        text = self._check_text(params)
        with self._cond:
            result = self._edited(params, text)
            self._note_sent("editMessageText", params, result if isinstance(result, dict) else None)
            return result

    def _edit_message_reply_markup(self, params: JSONDict, token: str) -> JSONDict | bool:
        if _callback_data_too_long(params.get("reply_markup")):
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        with self._cond:
            return self._edited(params, None)

    def _delete_message(self, params: JSONDict, token: str) -> bool:
        chat_id = self._require_chat(params)
        message_id = params.get("message_id")
        with self._cond:
            if isinstance(message_id, int):
                self.messages.pop((chat_id, message_id), None)
        return True

    def _set_my_commands(self, params: JSONDict, token: str) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: commands must be an array")
        with self._cond:
            self.commands = [c for c in commands if isinstance(c, dict)]
        return True

    def _set_webhook(self, params: JSONDict, token: str) -> bool:
        with self._cond:
            self.webhook_url = str(params.get("url") or "")
        return True

    def _delete_webhook(self, params: JSONDict, token: str) -> bool:
        with self._cond:
            self.webhook_url = ""
            if params.get("drop_pending_updates") is True:
                self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSONDict, token: str) -> JSONDict:
        with self._cond:
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
