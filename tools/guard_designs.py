"""Compare designs of the hazard guard on the same held-out rows (issue 22 asks which were tried, with figures).

    python tools/guard_designs.py --eval-dir ../shared/eval --train-rows 6000 --out bench/results/guard_designs.json

Designs, each reading the first window of a message and giving P(unsafe):
- ``shipped``: the guard as it ships (MiniLM + its own LoRA + heads, tools/train_hazard.py, trained on all rows).
- ``minilm-frozen``: a logistic head on MiniLM's sentence embeddings as they ship (no LoRA).
- ``decoder-frozen``: a logistic head on the default chat model's hidden states (SmolLM2-135M-Instruct, read with the
  chat template as a user turn; mean of a middle and of the last layer, and the last token's state). This is the
  cheap half of "a LoRA + head on the chat model's decoder": if frozen features read requests no better than MiniLM's,
  the LoRA is not worth its cost on a 2-core CPU.
- ``shipped+decoder``: the mean of the two probabilities.

Frozen heads are trained on a sample of ``--train-rows`` training rows (the decoder's features cost ~10x MiniLM's);
``minilm-frozen`` sees the same sample. Figures on the held-out rows of tools/train_hazard.py's split: AUPRC, and at
the threshold that blocks 2% of the held-out harmless rows, recall per unsafe source and the share blocked per
harmless source.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools"), str(ROOT / "bench")]

from hazard_data import Row, development, samples  # noqa: E402
from hazard_eval import auprc  # noqa: E402
from train_hazard import build, expand  # noqa: E402
from train_toxicity import EVAL_DIR_HELP  # noqa: E402

from chatkit.models.resolve import resolve_model  # noqa: E402
from chatkit.policies.engines.encoder import SentenceEncoder, bundled_encoder_path  # noqa: E402
from chatkit.policies.engines.hazard import HazardModel, windows  # noqa: E402

Tagged = tuple[str, float, str]  # text, unsafe label, source


def tagged(test: list[Row], eval_dir: Path, seed: int) -> list[Tagged]:
    """The held-out rows of train_hazard's split, each with where it came from."""
    source = {t: ("hand-unsafe" if lab.get("unsafe") else "hand-safe") for t, lab, _ in samples(random.Random(seed))}
    source |= {t: s for t, _, s in development(eval_dir)}
    return [(windows(t)[0], float(lab["unsafe"]), source.get(t, "chat")) for t, lab, _ in test if "unsafe" in lab]


class DecoderFeatures:
    """Frozen hidden states of the chat model for a user turn."""

    def __init__(self, model: str = "smollm2-135m") -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = resolve_model(model).path
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.tokenizer.padding_side = "right"
        self.model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=torch.bfloat16).eval()

    def __call__(self, texts: list[str], batch: int = 32) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch):
                chunk = [f"<|im_start|>user\n{t}<|im_end|>\n" for t in texts[i:i + batch]]
                enc = self.tokenizer(chunk, return_tensors="pt", padding=True, truncation=True, max_length=160)
                hidden = self.model(**enc, output_hidden_states=True).hidden_states
                mask = enc["attention_mask"].unsqueeze(-1).float()
                last = enc["attention_mask"].sum(1) - 1
                mid, top = hidden[len(hidden) // 2].float(), hidden[-1].float()
                pooled = [(h * mask).sum(1) / mask.sum(1) for h in (mid, top)]
                out.append(torch.cat([*pooled, top[torch.arange(len(chunk)), last]], 1).numpy())
        return np.concatenate(out)


def logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, object]:
    """A standardized logistic head; returns (mean, std, head)."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xt, yt, wt = torch.tensor((x - mu) / sd), torch.tensor(y), torch.tensor(w)
    head = torch.nn.Linear(x.shape[1], 1)
    opt = torch.optim.AdamW(head.parameters(), lr=1e-2, weight_decay=1e-2)
    for _ in range(500):
        loss = (wt * torch.nn.functional.binary_cross_entropy_with_logits(head(xt)[:, 0], yt, reduction="none")).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return mu, sd, head


def predict(model: tuple[np.ndarray, np.ndarray, object], x: np.ndarray) -> np.ndarray:
    mu, sd, head = model
    with torch.no_grad():
        return torch.sigmoid(head(torch.tensor((x - mu) / sd))[:, 0]).numpy()  # type: ignore[operator]


def report(name: str, p: np.ndarray, test: list[Tagged], fpr: float) -> dict:
    y = np.array([lab for _, lab, _ in test], bool)
    sources = np.array([s for _, _, s in test])
    th = float(np.quantile(p[~y], 1 - fpr))
    by_source = {s: round(float((p[sources == s] >= th).mean()), 3) for s in sorted(set(sources))}
    row = {"design": name, "auprc": round(auprc(p.tolist(), y.tolist()), 4), "threshold": round(th, 4),
           "recall": round(float((p[y] >= th).mean()), 4), "caught_by_source": by_source}
    print(f"{name:<16} AUPRC {row['auprc']:.3f}  recall@{fpr:.0%}FPR {row['recall']:.3f}  "
          + "  ".join(f"{s} {v:.2f}" for s, v in by_source.items()), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, required=True, help=EVAL_DIR_HELP)
    ap.add_argument("--train-rows", type=int, default=6000)
    ap.add_argument("--fpr", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/guard_designs.json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    train, held = build(args.eval_dir, args.seed, 1000)
    train = [r for r in expand(train, rng) if "unsafe" in r[1]]
    train = rng.sample(train, min(args.train_rows, len(train)))
    test = tagged(held, args.eval_dir, args.seed)
    print(f"{len(train)} training rows (sampled), {len(test)} held out", flush=True)
    y = np.array([lab["unsafe"] for _, lab, _ in train], np.float32)
    w = np.array([weight for _, _, weight in train], np.float32)
    texts = [t for t, _, _ in train]
    tests = [t for t, _, _ in test]
    rows, seconds = [], {}

    t0 = time.perf_counter()
    guard = HazardModel()
    shipped = np.array([p["unsafe"] for i in range(0, len(tests), 64) for p in guard.predict(tests[i:i + 64])])
    seconds["shipped"] = time.perf_counter() - t0
    rows.append(report("shipped", shipped, test, args.fpr))

    t0 = time.perf_counter()
    encoder = SentenceEncoder(bundled_encoder_path(), dtype="float32")
    head = logistic(encoder.encode(texts), y, w)
    rows.append(report("minilm-frozen", predict(head, encoder.encode(tests)), test, args.fpr))
    seconds["minilm-frozen"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    decoder = DecoderFeatures()
    head = logistic(decoder(texts), y, w)
    dec = predict(head, decoder(tests))
    seconds["decoder-frozen"] = time.perf_counter() - t0
    rows.append(report("decoder-frozen", dec, test, args.fpr))
    rows.append(report("shipped+decoder", (shipped + dec) / 2, test, args.fpr))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"train_rows": len(train), "held_out": len(test), "fpr": args.fpr, "designs": rows,
                                    "seconds": {k: round(v) for k, v in seconds.items()}}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
