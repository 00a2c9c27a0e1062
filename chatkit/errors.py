"""Exception types. Every message says what went wrong and what the user can do about it."""


class ChatkitError(Exception):
    """Base class of every error chatkit raises on purpose."""


class ConfigError(ChatkitError):
    """The configuration file or a configuration value is invalid."""


class ModelLoadError(ChatkitError):
    """A model directory is missing, is not a model, or cannot be used for chat."""


class InvalidMessageError(ChatkitError, ValueError):
    """A user message was rejected (empty, too long, not text)."""


class ContextOverflowError(ChatkitError):
    """The prompt cannot fit the model's context window even after dropping history."""


class GenerationError(ChatkitError):
    """The model backend failed while generating; the conversation is left unchanged."""


class StoreError(ChatkitError):
    """The conversation store failed or holds data it cannot read."""


class ConversationNotFoundError(ChatkitError, KeyError):
    """No conversation has this id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TransferError(ChatkitError):
    """An import file is malformed or clashes with existing conversations."""
