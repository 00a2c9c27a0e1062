import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from chatkit.policies.engines.batcher import Batcher
from chatkit.policies.engines.encoder import SentenceEncoder, bundled_encoder_path


class Held:
    """An encoder whose first pass waits until the test lets it go, so the texts that arrive meanwhile queue up."""

    def __init__(self, fail: bool = False) -> None:
        self.passes: list[list[str]] = []
        self.release = threading.Event()
        self.fail = fail

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.passes.append(list(texts))
        self.release.wait(10)
        if self.fail and len(self.passes) == 2:
            raise RuntimeError("encoder broke")
        return np.array([[len(t), i] for i, t in enumerate(texts)], dtype=np.float32)


def ask_all(batcher: Batcher, texts: list[str], encoder: Held) -> list[object]:
    def ask(text: str) -> object:
        try:
            return batcher(text)
        except RuntimeError as e:
            return e

    with ThreadPoolExecutor(len(texts)) as pool:
        first = pool.submit(ask, texts[0])
        while not encoder.passes:  # the first pass has begun, and holds the thread
            threading.Event().wait(0.01)
        rest = [pool.submit(ask, t) for t in texts[1:]]
        threading.Event().wait(0.3)
        encoder.release.set()
        return [first.result(), *(f.result() for f in rest)]


def test_texts_that_wait_together_share_one_pass_and_each_gets_its_own_vector() -> None:
    encoder = Held()
    texts = ["a", "bb", "ccc", "dddd", "bb"]
    out = ask_all(Batcher(encoder), texts, encoder)
    assert [sorted(p) for p in encoder.passes] == [["a"], ["bb", "ccc", "dddd"]]  # "bb" asked twice, embedded once
    assert [float(v[0]) for v in out] == [1, 2, 3, 4, 2]  # type: ignore[index]


def test_a_failed_pass_fails_each_of_its_callers_and_the_next_pass_still_runs() -> None:
    encoder = Held(fail=True)
    batcher = Batcher(encoder)
    out = ask_all(batcher, ["a", "bb", "ccc"], encoder)
    assert float(out[0][0]) == 1  # type: ignore[index]
    assert all(isinstance(e, RuntimeError) for e in out[1:])
    assert float(batcher("later")[0]) == 5


def test_concurrent_embeddings_equal_one_at_a_time() -> None:
    encoder = SentenceEncoder(bundled_encoder_path(), dtype="float32")
    texts = [f"message number {i} about {w}" for i, w in enumerate(["bread", "rain", "a very long walk in the hills"] * 4)]
    alone = encoder.encode(texts[:1])[0], *(encoder.encode([t])[0] for t in texts[1:])
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(encoder.encode_one, texts))
    for a, b in zip(alone, together, strict=True):
        assert np.allclose(a, b, atol=1e-5)
    assert encoder.encode_one(texts[0]) is together[0]  # remembered


@pytest.mark.parametrize("max_batch", [1, 2])
def test_no_pass_is_larger_than_max_batch(max_batch: int) -> None:
    encoder = Held()
    ask_all(Batcher(encoder, max_batch=max_batch), ["a", "b", "c", "d", "e"], encoder)
    assert max(len(p) for p in encoder.passes) <= max_batch
    assert sorted(t for p in encoder.passes for t in p) == ["a", "b", "c", "d", "e"]
