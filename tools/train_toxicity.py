"""Train chatkit's offline toxicity scorer (policies/engines/offline.py).

    python tools/train_toxicity.py --eval-dir ../shared/eval --out policies/assets/toxicity

Positives for ``toxicity``: Davidson's hate and offensive tweets, the surge-ai profanity lexicon
(its spellings and canonical forms). Positives for ``identity_attack``: Davidson's hate tweets
and ToxiGen's hate sentences. Negatives: Davidson's "neither", ToxiGen's neutral sentences,
ordinary chat turns from the bundled chat model's *training* conversations, and templated
neutral and positive mentions of identities ("I'm a Muslim woman"), so naming a group is not
mistaken for attacking it. Davidson and ToxiGen are split 70/10/20 (seed 0): train, validation
(thresholds), test (bench/safety_eval.py). The chat model's held-out conversations stay unseen.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from train_chat_model import load_conversations  # noqa: E402

from chatkit.policies.engines.offline import BUCKETS, LABELS, features  # noqa: E402

IDENTITIES = ["muslim", "jewish", "christian", "hindu", "buddhist", "atheist", "black", "white", "asian", "latino", "mexican",
              "chinese", "indian", "arab", "african", "native american", "gay", "lesbian", "bisexual", "transgender", "trans",
              "queer", "disabled", "deaf", "blind", "immigrant", "refugee", "woman", "man", "girl", "old", "young"]
NEUTRAL_TEMPLATES = ["i am a {g} person", "i'm a {g} woman", "my best friend is {g}", "as a {g} person i love this city",
                     "{g} people deserve respect", "i have many {g} friends", "my neighbor is {g} and very kind",
                     "{g} people are welcome here", "we should support {g} communities", "i grew up in a {g} family",
                     "there are {g} students in my class", "{g} history is fascinating", "my teacher is {g}"]



EVAL_DIR_HELP = ("folder with davidson_labeled_data.csv (github.com/t-davidson/hate-speech-and-offensive-language, "
                 "data/labeled_data.csv), toxigen_dev_sentences.csv (unique sentences of microsoft/TOXIGEN's prompts, "
                 "columns text, label hate|neutral, target_group) and surge_profanity_en.csv (github.com/surge-ai/profanity)")

def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def split3(items: list, rng: random.Random) -> tuple[list, list, list]:
    items = list(items)
    rng.shuffle(items)
    a, b = int(0.7 * len(items)), int(0.8 * len(items))
    return items[:a], items[a:b], items[b:]


def datasets(eval_dir: Path, chat_limit: int) -> dict[str, list[tuple[str, float, float]]]:
    """Splits of (text, toxicity label, identity_attack label)."""
    rng = random.Random(0)
    davidson = [(r["tweet"], float(r["class"] in "01"), float(r["class"] == "0"))
                for r in read_csv(eval_dir / "davidson_labeled_data.csv")]
    toxigen = [(r["text"], float(r["label"] == "hate"), float(r["label"] == "hate"))
               for r in read_csv(eval_dir / "toxigen_dev_sentences.csv")]
    d_train, d_val, d_test = split3(davidson, rng)
    t_train, t_val, t_test = split3(toxigen, rng)
    lexicon = [(r[k], 1.0, 0.0) for r in read_csv(eval_dir / "surge_profanity_en.csv")
               for k in ("text", "canonical_form_1") if r[k]]
    heldout = set(json.loads((ROOT / "chatkit/assets/model/heldout.json").read_text())["ids"])
    chat = [t for cid, turns in load_conversations() if cid not in heldout for t in turns]
    rng.shuffle(chat)
    neutral = [(t.format(g=g), 0.0, 0.0) for t in NEUTRAL_TEMPLATES for g in IDENTITIES]
    chat_rows = [(t, 0.0, 0.0) for t in chat[:chat_limit]]
    cut = int(0.9 * len(chat_rows))
    return {"train": d_train + t_train + lexicon + neutral + chat_rows[:cut], "val": d_val + t_val, "val_toxigen": t_val,
            "val_chat": chat_rows[cut:], "test_davidson": d_test, "test_toxigen": t_test,
            # by source, for tools/train_content.py
            "train_davidson": d_train, "train_toxigen": t_train, "train_chat": chat_rows[:cut]}


def train(rows: list[tuple[str, float, float]], epochs: int, lr: float) -> torch.nn.EmbeddingBag:
    feats = [features(t) for t, _, _ in rows]
    labels = torch.tensor([[a, b] for _, a, b in rows])
    model = torch.nn.EmbeddingBag(BUCKETS, 2, mode="sum")
    torch.nn.init.zeros_(model.weight)
    bias = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.Adagrad([*model.parameters(), bias], lr=lr)
    order = list(range(len(rows)))
    for epoch in range(epochs):
        random.Random(epoch).shuffle(order)
        total = 0.0
        for j in range(0, len(order), 128):
            batch = order[j:j + 128]
            flat = torch.tensor([f for k in batch for f in feats[k]], dtype=torch.long)
            offsets = torch.tensor(np.cumsum([0] + [len(feats[k]) for k in batch[:-1]]), dtype=torch.long)
            logits = model(flat, offsets) + bias
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels[batch])
            loss = loss + 1e-6 * model.weight.pow(2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}: loss {total / len(order):.4f}", flush=True)
    model.bias = bias  # type: ignore[assignment]
    return model


def pick_threshold(scores_pos: np.ndarray, scores_neg: np.ndarray, max_fpr: float) -> float:
    """The lowest threshold whose false-positive rate on the negatives stays under max_fpr."""
    for t in np.arange(0.05, 0.96, 0.01):
        if (scores_neg >= t).mean() <= max_fpr:
            return round(float(t), 2)
    return 0.95


def score(weights: np.ndarray, bias: np.ndarray, rows: list[tuple[str, float, float]]) -> np.ndarray:
    logits = np.array([weights[features(t)].astype(np.float32).sum(0) + bias for t, _, _ in rows])
    return 1 / (1 + np.exp(-np.clip(logits, -30, 30)))


def calibrate(weights: np.ndarray, bias: np.ndarray, data: dict[str, list]) -> dict[str, float]:
    """toxicity: see highest_threshold. identity_attack: at most 5% false positives on the neutral
    validation sentences that name a group (ToxiGen), where an identity scorer is most tempted, and 1% on chat."""
    chat = score(weights, bias, data["val_chat"])
    val = score(weights, bias, data["val"])
    toxigen = score(weights, bias, data["val_toxigen"])
    neutral = np.array([y == 0 for _, y, _ in data["val_toxigen"]])
    identity = max(pick_threshold(val[:, 1], chat[:, 1], 0.01), pick_threshold(toxigen[:, 1], toxigen[neutral, 1], 0.05))
    return {"toxicity": highest_threshold(val[:, 0], np.array([y for _, y, _ in data["val"]]) == 1, chat[:, 0], 0.95, 0.01),
            "identity_attack": identity}


def highest_threshold(scores: np.ndarray, positive: np.ndarray, chat: np.ndarray, min_recall: float, max_fpr: float) -> float:
    """The highest threshold that keeps validation recall at min_recall and chat false positives under max_fpr:
    as far from ordinary text as the recall target allows."""
    feasible = [t for t in np.arange(0.05, 0.96, 0.01)
                if (scores[positive] >= t).mean() >= min_recall and (chat >= t).mean() <= max_fpr]
    return round(float(max(feasible)), 2) if feasible else pick_threshold(scores, chat, max_fpr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, required=True, help=EVAL_DIR_HELP)
    ap.add_argument("--out", type=Path, default=ROOT / "policies/assets/toxicity")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=0.2)
    ap.add_argument("--chat", type=int, default=60000, help="ordinary chat turns used as negatives")
    ap.add_argument("--calibrate-only", action="store_true", help="keep the weights in --out, recompute the thresholds")
    args = ap.parse_args()
    data = datasets(args.eval_dir, args.chat)
    print({k: len(v) for k, v in data.items()})
    if args.calibrate_only:
        stored = np.load(args.out / "weights.npz")
        weights, bias = stored["weights"], stored["bias"]
    else:
        model = train(data["train"], args.epochs, args.lr)
        weights = model.weight.detach().numpy().astype(np.float16)
        bias = model.bias.detach().numpy().astype(np.float32)  # type: ignore[union-attr]
    thresholds = calibrate(weights, bias, data)
    test = score(weights, bias, data["test_davidson"])
    truth = np.array([y for _, y, _ in data["test_davidson"]])
    recall = float(((test[:, 0] >= thresholds["toxicity"]) & (truth == 1)).sum() / (truth == 1).sum())
    print(f"thresholds {thresholds}; Davidson test recall at threshold {recall:.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.calibrate_only:
        np.savez_compressed(args.out / "weights.npz", weights=weights, bias=bias)
    meta = {"labels": list(LABELS), "buckets": BUCKETS, "thresholds": thresholds, "epochs": args.epochs, "lr": args.lr,
            "train_rows": len(data["train"]), "split": "Davidson and ToxiGen 70/10/20 with seed 0; chat negatives from the chat "
            "model's training conversations", "davidson_test_recall": round(recall, 4)}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    main()
