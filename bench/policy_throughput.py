"""How many output checks per second the default policies make, from 1 and from 8 threads at once.

    pip install '.[bench]'
    python bench/policy_throughput.py [--threads 1 8] [--checks 160] [--out bench/results/policy_throughput.json]

What a server with 8 streaming replies asks of its policies: each reply's sentences are checked at the output stage
(with the request they answer) while the others' are. Torch runs single-threaded, as beside the llama.cpp engine.
Each sentence is new (no remembered embedding). Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from chatkit import Settings
from chatkit.build import policies_from_settings
from chatkit.policies.base import PolicyContext, Stage
from chatkit.policies.engines.encoder import encoder_dtype

REQUEST = "can you explain in detail how bread is made?"
SENTENCES = ["Bread is made from flour and water.", "The dough is kneaded and left to rise for an hour.",
             "Then it is baked in a hot oven until golden.", "The yeast makes gas bubbles that lift the dough."]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--checks", type=int, default=160)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results/policy_throughput.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    policies = policies_from_settings(Settings(), load=True)
    ctx = PolicyContext(Stage.OUTPUT, history=(REQUEST,), user_turns=(REQUEST,))
    policies.check(SENTENCES[0], ctx)  # warm-up
    rows = []
    print(f"encoders in {encoder_dtype('auto')}\nthreads | checks/s | ms per check (wall)")
    for threads in args.threads:
        texts = [f"{SENTENCES[k % len(SENTENCES)]} Step {k} of {threads}." for k in range(args.checks)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda t: policies.check(t, ctx), texts))
        wall = time.perf_counter() - t0
        rows.append({"threads": threads, "checks": len(texts), "checks_per_s": round(len(texts) / wall, 1)})
        print(f"{threads:7d} | {len(texts) / wall:8.1f} | {wall / len(texts) * 1000:.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.machine(), "torch": torch.__version__,
                                    "encoder_dtype": encoder_dtype("auto"), "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
