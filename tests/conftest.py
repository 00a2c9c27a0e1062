"""Shared fixtures: the real bundled model, and tiny models built on the spot for edge cases."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["CHATKIT_OFFLINE"] = "1"  # the suite runs on the bundled tiny model; a test that would download fails instead

from stores import make_store

from chatkit import ChatBot, MemoryStore, Settings, Store, TransformersGenerator
from chatkit.models.catalogue import bundled_model_path
from chatkit.testing import RedisUnavailable, local_redis_server


@pytest.fixture(autouse=True)
def _fresh_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs where a user would: not in the repository, whose chatkit/ folder would otherwise shadow the
    installed package in subprocesses (`python -m` and `python -c` put the working directory first on the path)."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def generator() -> TransformersGenerator:
    """The bundled model, loaded once for the whole run (it is small and loads in about a second)."""
    return TransformersGenerator.load("tiny", device="cpu", dtype="float32")  # float32: exact comparisons stay exact


@pytest.fixture
def bot(generator: TransformersGenerator) -> ChatBot:
    return ChatBot(generator, settings=Settings(), store=MemoryStore())


@pytest.fixture(scope="session")
def gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny randomly initialised GPT-2 with the bundled tokenizer and chat template: another architecture."""
    import torch
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    out = tmp_path_factory.mktemp("gpt2")
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=256, n_embd=32, n_layer=1, n_head=2,
                        eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id)
    GPT2LMHeadModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture
def no_template_dir(gpt2_dir: Path, tmp_path: Path) -> Path:
    """A model directory whose tokenizer has no chat template."""
    out = tmp_path / "no-template"
    shutil.copytree(gpt2_dir, out)
    (out / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((out / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (out / "tokenizer_config.json").write_text(json.dumps(config))
    return out


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port, for the whole run; skips (saying why) if none can start."""
    try:
        with local_redis_server() as url:
            yield url
    except RedisUnavailable as e:
        pytest.skip(f"{e}; the Redis store is untested in this run")


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_url")
    return str(request.param)


@pytest.fixture
async def store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    url = request.getfixturevalue("redis_url") if store_kind == "redis" else None
    s = make_store(store_kind, tmp_path, url)
    yield s
    await s.close()


# -- the llama.cpp engine -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tiny_gguf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled tiny model written as a float32 GGUF file (tests/support/gguf_file.py): no download, and the same
    weights as the transformers engine's ``generator``, so both engines can be held to the same replies."""
    from gguf_file import write_gguf

    return write_gguf(bundled_model_path(), tmp_path_factory.mktemp("gguf") / "tiny-chat.gguf")


@pytest.fixture(scope="session")
def llamacpp(tiny_gguf_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The llama.cpp engine on the tiny GGUF with the shipped tiny adapter, for the whole run; skipped (saying why)
    where llama-cpp-python is not installed (``pip install '.[llamacpp]'``)."""
    from chatkit.engine.llamacpp.generator import LlamaCppGenerator, llama_cpp_available

    if not llama_cpp_available():
        pytest.skip("llama-cpp-python is not installed (pip install '.[llamacpp]'); the llama.cpp engine is untested here")
    import torch

    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as mp:  # the shipped adapter's GGUF form is cached in a throwaway models directory
        mp.setenv("CHATKIT_MODELS_DIR", str(tmp_path_factory.mktemp("llamacpp-models")))
        engine = LlamaCppGenerator.load(tiny_gguf_file, adapters={"bookshop-tiny": "bundled:bookshop-tiny"}, max_batch=4,
                                        max_context_tokens=512)
    torch.set_num_threads(threads)  # loading keeps torch to one thread; the rest of the run's torch work needs not
    yield engine
    engine.scheduler.close()


# -- the HTTP server ---------------------------------------------------------------------------------
@pytest.fixture
def serve(generator: TransformersGenerator, tmp_path: Path) -> Iterator[object]:
    """``serve(**serve_settings)`` -> base URL of chatkit's real server on 127.0.0.1, with the bundled model
    (``generator=`` another backend, ``store=`` another store)."""
    from contextlib import ExitStack

    from http_server import http_settings, serving

    from chatkit.adapters.http import create_app
    from chatkit.build import policies_from_settings
    from chatkit.storage.sqlite import SQLiteStore

    with ExitStack() as stack:
        def start(*, backend: object = None, store: Store | None = None, **serve_settings: object) -> str:
            settings = http_settings(**serve_settings)
            bot = ChatBot(backend or generator, settings=settings, policies=policies_from_settings(settings, load=True),
                          store=store or SQLiteStore(tmp_path / f"http-{id(settings)}.sqlite3"))
            return stack.enter_context(serving(create_app(bot)))

        yield start


# -- a real inference engine ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def engine_url() -> Iterator[str]:
    """``transformers serve`` with the bundled model, for the whole run; skips (saying why) if it cannot start."""
    from chatkit.testing import EngineUnavailable, transformers_serve

    try:
        with transformers_serve(bundled_model_path()) as url:
            yield url
    except EngineUnavailable as e:
        pytest.skip(f"{e}; the remote backend is untested against a real engine in this run")


@pytest.fixture(scope="session")
def tiny_tokenizer() -> object:
    from chatkit.engine.tokenizer import load_chat_tokenizer

    return load_chat_tokenizer(bundled_model_path())


@pytest.fixture
async def remote(engine_url: str, tiny_tokenizer: object) -> AsyncIterator[object]:
    """An OpenAIBackend talking to ``transformers serve`` (which refuses vendor fields), with the model's tokenizer."""
    from chatkit.engine.remote import OpenAIBackend

    backend = OpenAIBackend(engine_url, str(bundled_model_path()), tokenizer=tiny_tokenizer, max_context_tokens=512,
                            vendor_fields=False)
    yield backend
    await backend.aclose()
