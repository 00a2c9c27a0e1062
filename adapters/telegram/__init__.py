"""The Telegram adapter: an aiogram Router a host bot can include, a runner (polling or webhook), and ``api.py``
(the Bot API client: retries, token masking, confirming handled updates)."""

from chatkit.adapters.telegram.router import TelegramAdapter, build_router, run, split_message, webhook_app

__all__ = ["TelegramAdapter", "build_router", "run", "split_message", "webhook_app"]
