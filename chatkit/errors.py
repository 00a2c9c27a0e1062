"""Exception types. Every message says what went wrong and what the user can do about it."""


def one_line(e: BaseException, limit: int = 400) -> str:
    """An exception's message on one line (libraries wrap long sentences over several, and a first line alone can stop
    mid-sentence), at most ``limit`` characters; its type's name if it has no message."""
    text = " ".join(str(e).split())
    return (text[: limit - 3] + "...") if len(text) > limit else text or type(e).__name__


class ChatkitError(Exception):
    """Base class of every error chatkit raises on purpose."""


class ConfigError(ChatkitError):
    """The configuration file or a configuration value is invalid."""


class ModelLoadError(ChatkitError):
    """A model directory is missing, is not a model, or cannot be used for chat."""


class InvalidMessageError(ChatkitError, ValueError):
    """A user message was rejected (empty, too long, not text)."""


class MessageTooLongError(InvalidMessageError):
    """A user message is over ``chat.max_message_chars``."""


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


class LoraAdapterError(ChatkitError):
    """A LoRA adapter (a weight set, not a platform adapter) is missing, corrupt, unknown, or does not fit the base
    model."""


AdapterError = LoraAdapterError  # the name it had before platform adapters shared the word


class DatasetError(ChatkitError):
    """Training data is malformed or empty."""


class TrainingError(ChatkitError):
    """Training could not finish; nothing was written."""
