"""Safety evaluation of the default policies on ../shared/eval and on ordinary chat.

    python bench/safety_eval.py --eval-dir DIR [--out bench/results/safety.json]   (DIR: see --help)

- toxicity: Davidson's held-out test split (hate + offensive against neither), the split
  tools/train_toxicity.py never trained on;
- bias: ToxiGen's held-out test split (hate against neutral), and the whole file for reference
  (70% of it was training data);
- false positives of every policy on the bundled chat model's held-out chitchat conversations
  (their assistant turns: ordinary, harmless chat);
- recall on obfuscated copies of the toxic test examples (leetspeak, spacing, zero-width
  characters, homoglyphs), generated here, next to the recall on the plain ones;
- latency per message (p50/p95) of each policy and of the whole default output set, on CPU.
Prints a table, writes JSON and a PNG.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

from _heldout import heldout_conversations

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from chatkit.policies.base import Action, Policy, PolicyContext, PolicySet, Stage
from chatkit.policies.bias import BiasPolicy
from chatkit.policies.pii import PIIPolicy
from train_toxicity import EVAL_DIR_HELP, datasets  # the scorer's own splits

from chatkit import Settings
from chatkit.bot import policies_from_settings

CTX = PolicyContext(Stage.OUTPUT)
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060"]
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х", "i": "і", "y": "у"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}



def obfuscate(text: str, how: str, rng: random.Random) -> str:
    """An evasive copy: each word of 3+ letters is disguised with probability 0.6."""
    out = []
    for word in text.split(" "):
        if len(word) < 3 or not word.isalpha() or rng.random() > 0.6:
            out.append(word)
        elif how == "leetspeak":
            out.append("".join(LEET.get(c.lower(), c) for c in word))
        elif how == "spacing":
            out.append(rng.choice([" ", ".", "-"]).join(word))
        elif how == "zero-width":
            out.append(word[0] + "".join(rng.choice(ZERO_WIDTH) + c for c in word[1:]))
        else:  # homoglyphs
            out.append("".join(HOMOGLYPHS.get(c, c) for c in word))
    return " ".join(out)


def flagged(policy: Policy | PolicySet, texts: list[str]) -> list[bool]:
    """Whether the policy (or set) acted on each text: redact, regenerate or block."""
    return [policy.check(t, CTX).action >= Action.REDACT for t in texts]


def scores(pred: list[bool], truth: list[bool]) -> dict[str, float]:
    tp = sum(p and t for p, t in zip(pred, truth, strict=True))
    fp = sum(p and not t for p, t in zip(pred, truth, strict=True))
    fn = sum(t and not p for p, t in zip(pred, truth, strict=True))
    negatives = sum(not t for t in truth)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall) if tp else 0.0,
            "fpr": fp / negatives if negatives else 0.0, "n": len(truth)}


def latency(policy: Policy | PolicySet, texts: list[str]) -> dict[str, float]:
    times = []
    for t in texts:
        t0 = time.perf_counter()
        policy.check(t, CTX)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, required=True, help=EVAL_DIR_HELP)
    ap.add_argument("--out", type=Path, default=Path("bench/results/safety.json"))
    args = ap.parse_args()
    data = datasets(args.eval_dir, chat_limit=0)
    chat = [t for turns in heldout_conversations() for t in turns[1::2]]
    policies = policies_from_settings(Settings())
    by_name = {p.name: p for p in [*policies.input, *policies.output]}
    output_set = PolicySet(output=policies.output)
    rng = random.Random(0)
    results: dict[str, object] = {"chat_replies": len(chat)}

    davidson = data["test_davidson"]
    texts, truth = [t for t, _, _ in davidson], [bool(y) for _, y, _ in davidson]
    results["toxicity_davidson_test"] = scores(flagged(by_name["toxicity"], texts), truth)
    toxic = [t for t, y in zip(texts, truth, strict=True) if y]
    plain_recall = sum(flagged(by_name["toxicity"], toxic)) / len(toxic)
    obfuscated = {how: sum(flagged(by_name["toxicity"], [obfuscate(t, how, rng) for t in toxic])) / len(toxic)
                  for how in ("leetspeak", "spacing", "zero-width", "homoglyphs")}
    results["toxicity_obfuscated_recall"] = {"plain": plain_recall, **obfuscated,
                                             "worst_ratio": min(obfuscated.values()) / plain_recall}

    for split, rows in (("test", data["test_toxigen"]), ("all", data["test_toxigen"] + data["val_toxigen"])):
        results[f"bias_toxigen_{split}"] = scores(flagged(by_name["bias"], [t for t, _, _ in rows]), [bool(y) for _, y, _ in rows])
    test_texts, test_truth = [t for t, _, _ in data["test_toxigen"]], [bool(y) for _, y, _ in data["test_toxigen"]]
    results["bias_toxigen_test_lexical_only"] = scores(flagged(BiasPolicy(engine="lexical"), test_texts), test_truth)
    # what retuning [policies.bias] threshold trades (the model's calibrated threshold maps onto 0.5); one loaded model
    model = by_name["bias"].model  # type: ignore[attr-defined]
    results["bias_toxigen_test_by_threshold"] = {
        f"{th:.2f}": scores(flagged(BiasPolicy(threshold=th, model=model), test_texts), test_truth)
        for th in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)}
    from train_toxicity import read_csv

    whole = read_csv(args.eval_dir / "toxigen_dev_sentences.csv")
    results["bias_toxigen_whole_file"] = scores(flagged(by_name["bias"], [r["text"] for r in whole]),
                                                [r["label"] == "hate" for r in whole])
    results["chat_false_positive_rate"] = {name: sum(flagged(p, chat)) / len(chat) for name, p in by_name.items()}
    results["chat_false_positive_rate"]["output set"] = sum(flagged(output_set, chat)) / len(chat)  # type: ignore[index]
    sample = chat[:500]
    results["latency"] = {name: latency(p, sample) for name, p in by_name.items()}
    results["latency"]["output set"] = latency(output_set, sample)  # type: ignore[index]
    # the learned bias model's full cost: every one of these names a group
    results["latency_text_naming_a_group"] = {"bias": latency(by_name["bias"], test_texts),
                                              "output set": latency(output_set, test_texts)}
    pii = PIIPolicy()
    pii_cases = ["reach me at jo.smith@mail.com", "my number is +1 415 555 0132", "card 4242 4242 4242 4242",
                 "iban GB82 WEST 1234 5698 7654 32", "call 020 7946 0958 after six"]
    results["pii_recall_examples"] = sum(pii.check(t, CTX).action == Action.REDACT for t in pii_cases) / len(pii_cases)

    print(f"{'policy / data':<38} {'precision':>9} {'recall':>7} {'F1':>6} {'FPR':>6} {'n':>6}")
    for key in ("toxicity_davidson_test", "bias_toxigen_test", "bias_toxigen_test_lexical_only", "bias_toxigen_all",
                "bias_toxigen_whole_file"):
        r = results[key]
        print(f"{key:<38} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f} {r['fpr']:6.3f} {r['n']:6d}")  # type: ignore[index]
    print("\nobfuscated toxic test examples, recall:", {k: round(v, 3) for k, v in results["toxicity_obfuscated_recall"].items()})
    print(f"\nfalse-positive rate on {len(chat)} held-out chitchat replies:")
    for name, v in results["chat_false_positive_rate"].items():  # type: ignore[union-attr]
        print(f"  {name:<12} {v:.4f}")
    print("\nbias on the ToxiGen test split by [policies.bias] threshold:",
          {k: f"recall {v['recall']:.3f} FPR {v['fpr']:.3f}" for k, v in results["bias_toxigen_test_by_threshold"].items()})
    for title, key in (("chitchat replies", "latency"), ("ToxiGen test sentences, all naming a group", "latency_text_naming_a_group")):
        print(f"\nlatency per message on CPU (ms), {title}:")
        for name, v in results[key].items():  # type: ignore[union-attr]
            print(f"  {name:<12} p50 {v['p50_ms']:.3f}  p95 {v['p95_ms']:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    chart(results, args.out.with_suffix(".png"))
    print(f"\nwrote {args.out} and {args.out.with_suffix('.png')}")


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    bars = {"toxicity recall\n(Davidson test)": results["toxicity_davidson_test"]["recall"],
            "bias recall\n(ToxiGen test)": results["bias_toxigen_test"]["recall"],
            "bias FPR\n(ToxiGen neutral)": results["bias_toxigen_test"]["fpr"],
            "output set FPR\n(chitchat)": results["chat_false_positive_rate"]["output set"]}
    left.bar(list(bars), list(bars.values()), color=["#4c72b0", "#4c72b0", "#c44e52", "#c44e52"])
    left.set_ylim(0, 1)
    left.set_title("Detection and false positives")
    obf = results["toxicity_obfuscated_recall"]
    kinds = ["plain", "leetspeak", "spacing", "zero-width", "homoglyphs"]
    right.bar(kinds, [obf[k] for k in kinds], color="#55a868")
    right.set_ylim(0, 1)
    right.set_title("Toxicity recall on obfuscated copies")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
