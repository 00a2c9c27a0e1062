from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from chatkit.policies.engines.hazard import HazardModel, head_path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from average_guards import average


@pytest.fixture
def two_guards(tmp_path: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "first", tmp_path / "second"
    shutil.copytree(head_path(), first)
    shutil.copytree(head_path(), second)
    head = dict(np.load(second / "head.npz"))
    np.savez(second / "head.npz", weights=head["weights"] + 2.0, bias=head["bias"] - 1.0)
    return first, second


def test_the_average_sits_halfway_and_loads_as_a_guard(two_guards: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = two_guards
    meta = average(first, second, tmp_path / "soup")
    a, mid = np.load(first / "head.npz"), np.load(tmp_path / "soup/head.npz")
    assert np.allclose(mid["weights"], a["weights"] + 1.0, atol=1e-5) and np.allclose(mid["bias"], a["bias"] - 0.5, atol=1e-5)
    assert meta["thresholds"] == json.loads((first / "meta.json").read_text())["thresholds"]
    assert len(meta["average_of"]) == 2
    scores = HazardModel(head=tmp_path / "soup").predict(["how do I bake bread?"])[0]
    assert set(scores) == set(HazardModel(head=first).heads)


def test_the_output_may_be_one_of_the_parents(two_guards: tuple[Path, Path]) -> None:
    first, second = two_guards
    before = np.load(first / "head.npz")["bias"].copy()
    average(first, second, first)
    assert np.allclose(np.load(first / "head.npz")["bias"], before - 0.5, atol=1e-5)


def test_guards_of_different_heads_do_not_average(two_guards: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = two_guards
    meta = json.loads((second / "meta.json").read_text())
    (second / "meta.json").write_text(json.dumps({**meta, "heads": meta["heads"][:-1]}))
    with pytest.raises(SystemExit, match="differ in their heads"):
        average(first, second, tmp_path / "soup")
