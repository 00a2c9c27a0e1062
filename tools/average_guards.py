"""Average two hazard guards' weights into one (a "model soup"): the same encoder, the same cost per message.

    python tools/average_guards.py policies/assets/hazard /tmp/guard-content --out policies/assets/hazard

Both guards must be LoRA adapters of the same rank on the same encoder, with the same heads (tools/train_hazard.py
writes such folders). Each LoRA matrix and the heads' weights and biases are averaged element by element; the gate
and the other thresholds are the first guard's, and meta.json records both parents. Two guards trained from the same
start on different data sit on one precision/recall curve; their average often sits between them on it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

ADAPTER = "adapter/adapter_model.safetensors"


def average(first: Path, second: Path, out: Path) -> dict:
    metas = [json.loads((d / "meta.json").read_text()) for d in (first, second)]
    if metas[0]["heads"] != metas[1]["heads"] or metas[0].get("encoder_fingerprint") != metas[1].get("encoder_fingerprint"):
        raise SystemExit(f"{first} and {second} differ in their heads or encoder: only guards of one kind average")
    a, b = load_file(str(first / ADAPTER)), load_file(str(second / ADAPTER))
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        raise SystemExit(f"the LoRA adapters of {first} and {second} differ in shape (rank or target modules)")
    ha, hb = np.load(first / "head.npz"), np.load(second / "head.npz")
    with tempfile.TemporaryDirectory() as tmp:  # out may be one of the two parents
        staged = Path(tmp) / "guard"
        shutil.copytree(first, staged)
        save_file({k: ((a[k].astype(np.float32) + b[k].astype(np.float32)) / 2).astype(a[k].dtype) for k in a},
                  str(staged / ADAPTER))
        np.savez(staged / "head.npz", **{k: (ha[k] + hb[k]) / 2 for k in ha.files})
        meta = {**metas[0], "average_of": [{k: m.get(k) for k in ("init", "data", "command", "seed", "lr", "rows")}
                                           for m in metas],
                "held_out": None, "note": "weights averaged by tools/average_guards.py; thresholds are the first guard's"}
        (staged / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(staged, out)
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("first", type=Path, help="a guard folder; its thresholds are kept")
    ap.add_argument("second", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    average(args.first, args.second, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
