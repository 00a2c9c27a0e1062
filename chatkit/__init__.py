"""chatkit: chatbots that are safe to put in front of people.

``import chatkit`` stays light: torch and transformers load only when a model does.
"""

__version__ = "0.1.0"  # first: modules that report it import it from here

from chatkit.build import open_store
from chatkit.config import Settings, load_settings
from chatkit.engine.base import Generation, GenerationStream, Generator
from chatkit.engine.decoding import PRESETS, DecodingConfig
from chatkit.engine.remote import OpenAIBackend
from chatkit.engine.transformers.generator import TransformersGenerator
from chatkit.errors import (
    ChatkitError,
    ConfigError,
    ContextOverflowError,
    ConversationNotFoundError,
    GenerationError,
    InvalidMessageError,
    MessageTooLongError,
    ModelLoadError,
    StoreError,
    TransferError,
)
from chatkit.storage.base import (
    Conversation,
    ConversationInfo,
    Delivery,
    Options,
    Retention,
    Store,
    StoredMessage,
)
from chatkit.storage.memory import MemoryStore
from chatkit.turn.chatbot import ChatBot, ReplyStream
from chatkit.types import Message, Origin, Reply, Role, Timings, Usage

__all__ = [
    "PRESETS",
    "ChatBot",
    "ChatkitError",
    "ConfigError",
    "ContextOverflowError",
    "Conversation",
    "ConversationInfo",
    "ConversationNotFoundError",
    "DecodingConfig",
    "Delivery",
    "Generation",
    "GenerationError",
    "GenerationStream",
    "Generator",
    "InvalidMessageError",
    "MemoryStore",
    "Message",
    "MessageTooLongError",
    "ModelLoadError",
    "OpenAIBackend",
    "Options",
    "Origin",
    "Reply",
    "ReplyStream",
    "Retention",
    "Role",
    "Settings",
    "Store",
    "StoreError",
    "StoredMessage",
    "Timings",
    "TransferError",
    "TransformersGenerator",
    "Usage",
    "load_settings",
    "open_store",
]
