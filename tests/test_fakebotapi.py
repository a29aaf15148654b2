"""Prove the fake Bot API speaks real python-telegram-bot, so e2e tests can trust it."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakebotapi import FakeBotAPI


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    """A fresh fake server per test, so recorded calls never leak between tests."""
    with FakeBotAPI() as server:
        yield server


def _post(api: FakeBotAPI, method: str, data: bytes, content_type: str) -> tuple[int, dict]:
    """Raw HTTP call, to check parsing of bodies PTB may send."""
    req = urllib.request.Request(
        f"{api.base_url}{api.token}/{method}",
        data=data,
        headers={"Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.mark.asyncio
async def test_get_me_and_send_message_with_keyboard(api: FakeBotAPI) -> None:
    """getMe works and the inline keyboard is parsed back into a dict."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Chiama", callback_data="call:1")]])
    async with Bot(api.token, base_url=api.base_url) as bot:
        me = await bot.get_me()
        assert me.is_bot and me.username == api.bot_username
        msg = await bot.send_message(chat_id=42, text="123", reply_markup=keyboard)
        second = await bot.send_message(chat_id=42, text="ciao")

    assert msg.text == "123"  # numeric-looking text stays a string
    assert msg.reply_markup == keyboard
    assert second.message_id == msg.message_id + 1
    sent = api.sent(42)
    assert [s["text"] for s in sent] == ["123", "ciao"]
    assert sent[0]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Chiama", "callback_data": "call:1"}]]
    }
    assert sent[0]["chat_id"] == 42 and sent[0]["message_id"] == msg.message_id
    assert sent[1]["reply_markup"] is None
    assert api.buttons(sent[0]) == [("Chiama", "call:1")]
    assert api.sent(43) == []


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_then_success(api: FakeBotAPI) -> None:
    """Scripted 500s and a 429 surface as PTB errors; later calls succeed."""
    api.fail_next("sendMessage", [500, 500, (429, 2)])
    async with Bot(api.token, base_url=api.base_url, request=HTTPXRequest()) as bot:
        for _ in range(2):
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await bot.send_message(chat_id=7, text="x")
        with pytest.raises(RetryAfter):
            await bot.send_message(chat_id=7, text="x")
        msg = await bot.send_message(chat_id=7, text="finally")

    assert msg.text == "finally"
    assert [c.status for c in api.calls_to("sendMessage")] == [500, 500, 429, 200]
    assert [s["text"] for s in api.sent(7)] == ["finally"]


@pytest.mark.asyncio
async def test_realistic_validation_errors(api: FakeBotAPI) -> None:
    """Errors a real bot must handle: too long text, not-modified edits, long callback data."""
    async with Bot(api.token, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(chat_id=1, text="a" * 4097)
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
            await bot.send_message(chat_id=1, text="hi", reply_markup=too_long)
        msg = await bot.send_message(chat_id=1, text="hi")
        edited = await bot.edit_message_text("hello", chat_id=1, message_id=msg.message_id)
        assert isinstance(edited, Message) and edited.text == "hello"
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text("hello", chat_id=1, message_id=msg.message_id)
    assert [s["method"] for s in api.sent(1)] == ["sendMessage", "editMessageText"]


def test_form_multipart_and_unknown_method(api: FakeBotAPI) -> None:
    """Form and multipart bodies are decoded; unknown methods answer 404."""
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    form = urllib.parse.urlencode({"chat_id": "5", "text": "true", "reply_markup": markup})
    status, body = _post(api, "sendMessage", form.encode(), "application/x-www-form-urlencoded")
    assert status == 200 and body["result"]["text"] == "true"
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"

    resp = httpx.post(
        f"{api.base_url}{api.token}/sendMessage",
        data={"chat_id": "6", "text": "multi"},
        files={"document": ("a.txt", b"hello", "text/plain")},
    )
    assert resp.status_code == 200 and resp.json()["result"]["chat"]["id"] == 6
    call = api.calls_to("sendMessage")[-1]
    assert call.files["document"]["size"] == 5

    status, body = _post(api, "sendPigeon", b"{}", "application/json")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert api.calls[-1].status == 404


@pytest.mark.asyncio
async def test_application_polling_echo(api: FakeBotAPI) -> None:
    """A real Application long-polls the fake, handles text/commands/buttons and replies."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message and update.effective_user
        lang = update.effective_user.language_code
        await update.effective_message.reply_text(f"echo[{lang}]: {update.effective_message.text}")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sì", callback_data="yes")]])
        await update.effective_message.reply_text(
            f"start args={context.args}", reply_markup=keyboard
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query
        await query.answer()
        await query.edit_message_text(f"pressed {query.data}")

    async def sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message
        await update.effective_message.reply_text("solo testo, per favore")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Sticker.ALL, sticker))
    app.add_handler(CallbackQueryHandler(button))

    async with app:
        await app.start()
        assert app.updater
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            assert api.send_text(7, "ciao") == 1
            sent = await api.wait_sent_async(1, chat_id=7)
            assert sent[0]["text"] == "echo[it]: ciao"

            api.send_command(8, "/start tiktok", language_code="en")
            sent = await api.wait_sent_async(1, chat_id=8)
            assert sent[0]["text"] == "start args=['tiktok']"

            api.press_button(8, "sì")
            sent = await api.wait_sent_async(2, chat_id=8)
            assert sent[1]["method"] == "editMessageText"
            assert sent[1]["text"] == "pressed yes"
            assert api.count("answerCallbackQuery") == 1

            api.send_sticker(9)
            sent = await api.wait_sent_async(1, chat_id=9)
            assert sent[0]["text"] == "solo testo, per favore"
        finally:
            await app.updater.stop()
            await app.stop()

    assert api.errors == []


def test_wait_for_timeout_message(api: FakeBotAPI) -> None:
    """A failed wait explains itself with the recent calls."""
    _post(api, "getMe", b"", "application/json")
    with pytest.raises(AssertionError, match="getMe"):
        api.wait_sent(1, chat_id=1, timeout=0.05)


def test_get_updates_offset_and_timeout(api: FakeBotAPI) -> None:
    """Offsets confirm updates and an empty long poll returns after at most the cap."""
    first = api.send_text(1, "a")
    second = api.send_text(1, "b")
    _, body = _post(api, "getUpdates", b'{"offset": 0}', "application/json")
    assert [u["update_id"] for u in body["result"]] == [first, second]
    _, body = _post(
        api, "getUpdates", f"offset={second}".encode(), "application/x-www-form-urlencoded"
    )
    assert [u["update_id"] for u in body["result"]] == [second]
    _, body = _post(
        api,
        "getUpdates",
        f"offset={second + 1}&timeout=0.2".encode(),
        "application/x-www-form-urlencoded",
    )
    assert body["result"] == [] and api.pending_updates() == 0


def test_delay(api: FakeBotAPI) -> None:
    """delay() slows a method down, enough to provoke client timeouts."""

    async def run() -> None:
        api.delay("sendMessage", 0.3)
        request = HTTPXRequest(read_timeout=0.05)
        async with Bot(api.token, base_url=api.base_url, request=request) as bot:
            with pytest.raises(NetworkError):  # TimedOut is a NetworkError
                await bot.send_message(chat_id=3, text="slow")

    asyncio.run(run())
