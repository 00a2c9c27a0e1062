import numpy as np
import pytest
import torch

from chatkit.policies.engines.encoder import SentenceEncoder, bundled_encoder_path
from chatkit.policies.engines.packing import pack_linears


def small_model(dtype: torch.dtype) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.GELU(), torch.nn.Linear(64, 16, bias=False)).to(dtype).eval()


def cpu_packs_bfloat16() -> bool:
    """Whether oneDNN lays out bfloat16 weights on this CPU (it needs AVX-512 or AVX-NE-CONVERT: an AMD EPYC without
    them refuses, and the encoders then keep nn.Linear)."""
    try:
        torch.ops.mkldnn._reorder_linear_weight(torch.ones(4, 4, dtype=torch.bfloat16), 16)
    except RuntimeError:
        return False
    return True


PACKS = cpu_packs_bfloat16()


@pytest.mark.parametrize("shape", [(1, 1, 32), (1, 17, 32), (3, 40, 32), (7, 32)])
def test_packed_layers_give_the_same_numbers_for_any_shape(shape: tuple[int, ...]) -> None:
    plain, packed = small_model(torch.bfloat16), small_model(torch.bfloat16)
    assert pack_linears(packed) == (2 if PACKS else 0)
    assert any(type(m) is torch.nn.Linear for m in packed.modules()) != PACKS
    x = torch.randn(*shape, dtype=torch.bfloat16)
    with torch.inference_mode():
        assert torch.equal(packed(x), plain(x))


def test_packing_leaves_the_random_numbers_alone() -> None:
    model = small_model(torch.bfloat16)
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    pack_linears(model)
    assert torch.equal(torch.rand(3), expected), "loading a policy moved the caller's random numbers"


def test_float32_layers_are_left_alone() -> None:
    model = small_model(torch.float32)
    assert pack_linears(model) == 0
    assert sum(type(m) is torch.nn.Linear for m in model.modules()) == 2


def test_the_bfloat16_encoder_is_packed_and_embeds_as_before() -> None:
    packed = SentenceEncoder(bundled_encoder_path(), dtype="bfloat16")
    plain = SentenceEncoder(bundled_encoder_path(), dtype="float32")
    plain.model.to(torch.bfloat16)  # the same weights in bfloat16, with nn.Linear's own layout
    assert any(type(m) is torch.nn.Linear for m in packed.model.modules()) != PACKS
    texts = ["hi", "Then the dough is kneaded and left to rise for an hour.", "so " * 200]
    assert np.array_equal(packed.encode(texts), plain.encode(texts))
