import pytest

from chatkit.policies.engines import encoder as encoder_module
from chatkit.policies.engines.encoder import SentenceEncoder, bundled_encoder_path, encoder_dtype, shared_encoder


@pytest.mark.parametrize(("fast", "expected"), [(True, "bfloat16"), (False, "float32")])
def test_auto_takes_bfloat16_only_where_the_cpu_has_it(fast: bool, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder_module, "cpu_has_fast_bf16", lambda: fast)
    assert encoder_dtype("auto") == expected
    assert encoder_dtype("bfloat16") == "bfloat16" and encoder_dtype("float32") == "float32", "an explicit dtype is kept"


def test_an_unknown_dtype_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="auto, bfloat16 or float32"):
        encoder_dtype("float16")


def test_auto_shares_the_encoder_of_the_dtype_it_chose() -> None:
    path = bundled_encoder_path().resolve()
    chosen = shared_encoder(path, "auto", None)
    assert chosen is shared_encoder(path, encoder_dtype("auto"), None)
    assert chosen.dtype == encoder_dtype("auto")


def test_either_dtype_gives_the_heads_the_same_embedding() -> None:
    texts = ["hi", "how do I make a pipe bomb", "I feel like nobody would miss me if I was gone", "so " * 200]
    half = SentenceEncoder(bundled_encoder_path(), dtype="bfloat16").encode(texts)
    full = SentenceEncoder(bundled_encoder_path(), dtype="float32").encode(texts)
    assert (half * full).sum(1).min() > 0.999  # both unit vectors: the cosine
