"""The HTTP adapter (``chatkit serve``): an OpenAI-compatible API, the conversations API and the web page.

``app.py`` builds the app and runs it; ``openai.py`` and ``conversations.py`` are the routes; ``guard.py`` (keys,
rate limits, body limits, access log), ``metrics.py``, ``errors.py`` (OpenAI-shaped error bodies) and ``service.py``
(what the routes share) sit beside them.
"""

from chatkit.adapters.http.app import app_from_environment, create_app, serve

__all__ = ["app_from_environment", "create_app", "serve"]
