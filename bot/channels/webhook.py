"""Webhook mode: Telegram posts updates to us. Starlette app served by uvicorn, as in
python-telegram-bot's customwebhookbot example, plus a health check for load balancers."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import TelegramError

log = logging.getLogger("helpline_bot.webhook")
MAX_BODY = 1 << 20  # a Telegram update is a few kB; refuse anything absurd


def make_app(application: Any, path: str, secret: str) -> Starlette:
    async def hook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        try:
            update = Update.de_json(json.loads(body), application.bot)
        # AttributeError: a body that is JSON but not an object ([], 1, "x"): a 400, not a 500
        except (ValueError, TypeError, KeyError, AttributeError, TelegramError):
            return PlainTextResponse("bad update", status_code=400)
        await application.update_queue.put(update)
        return PlainTextResponse("ok")

    async def health(request: Request) -> Response:
        ready = bool(getattr(application, "running", False))
        return PlainTextResponse("ok" if ready else "starting", status_code=200 if ready else 503)

    return Starlette(
        routes=[Route(path, hook, methods=["POST"]), Route("/healthz", health, methods=["GET"])]
    )


def make_server(
    application: Any, webhook_url: str, secret: str, listen: str, port: int
) -> Callable[[], Awaitable[None]]:
    """The bot listens on the path of its public URL: https://bot.example.org/hook → /hook."""
    path = urlparse(webhook_url).path or "/"

    async def run() -> None:
        try:
            await application.bot.set_webhook(
                webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
        except TelegramError as exc:
            log.error("setWebhook failed: %s", type(exc).__name__)
        config = uvicorn.Config(
            make_app(application, path, secret), host=listen, port=port,
            log_level="warning", access_log=False, lifespan="off",
        )  # fmt: skip
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        log.info("webhook listening on %s:%d%s", listen, port, path)
        await server.serve()

    return run
