"""LLM-chat safety of the default policies: hazards by category, jailbreaks, over-refusal, care, cost.

    python bench/hazard_eval.py --eval-dir ../shared/eval [--out bench/results/hazard.json] [--config chatkit.toml]
        [--gates 0.8 0.86 0.94] [--errors bench/results/hazard_errors.json]

- the held-out 30% of each development set in ../shared/eval/llm_safety (by a hash of the text; the
  guard never trained on it): caught = blocked or answered with the care message (input stage, the
  default policies), per source and per hazard category (precision, recall, F1, and the guard's AUPRC);
- bench/functional/hazards.tsv, written apart from the training data: per category and functionality,
  unsafe cases caught and look-alikes wrongly caught; requests split over two user turns;
- self-harm: the share answered with the care message rather than a refusal;
- ordinary chat turns (held-out chitchat, each with the user's turn before it) acted on; latency of the default input
  policies per message;
- with --gates, the headline figures again at each threshold of the guard's unsafe gate (each text scored once);
- with --errors, every text the policies got wrong (missed, harmless caught, chat flagged) with the verdicts.
Prints tables, writes JSON and a PNG.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "functional"), str(HERE.parent / "tools")]

import suite  # noqa: E402
from _heldout import heldout_conversations  # noqa: E402
from hazard_data import development, held_out  # noqa: E402
from train_toxicity import EVAL_DIR_HELP  # noqa: E402

from chatkit import Settings  # noqa: E402
from chatkit.build import policies_from_settings  # noqa: E402
from chatkit.config import load_settings  # noqa: E402
from chatkit.policies.base import Action, Decision, PolicyContext, PolicySet, Stage, Verdict  # noqa: E402
from chatkit.policies.engines.encoder import encoder_dtype  # noqa: E402
from chatkit.policies.hazard import CATEGORIES, HazardPolicy  # noqa: E402


def rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def caught(d: Decision) -> bool:
    return d.action >= Action.BLOCK


def hazard_verdict(d: Decision) -> Verdict | None:
    return next((v for v in d.verdicts if v.policy == "hazard"), None)


def deciders(decisions: list[Decision], least: Action) -> dict[str, int]:
    """Which policies (and categories) acted at ``least`` or more on these decisions: what an over-refusal comes from."""
    counts: dict[str, int] = defaultdict(int)
    for d in decisions:
        for v in d.verdicts:
            if v.action >= least:
                counts[f"{v.policy}/{v.category}" if v.category else v.policy] += 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def check(policies: PolicySet, text: str, earlier: tuple[str, ...] = ()) -> Decision:
    return policies.check(text, PolicyContext(Stage.INPUT, history=earlier, user_turns=earlier))


def auprc(scores: list[float], truth: list[bool]) -> float:
    """Average precision: the area under the precision-recall curve, step-wise."""
    pairs = sorted(zip(scores, truth, strict=True), key=lambda p: -p[0])
    positives = sum(truth)
    if not positives:
        return 0.0
    hits, total = 0, 0.0
    for k, (_, t) in enumerate(pairs, 1):
        if t:
            hits += 1
            total += hits / k
    return total / positives


def describe(d: Decision) -> list[dict[str, object]]:
    """The verdicts that acted (flag or more), with the guard's three highest scores: why a text was caught."""
    out: list[dict[str, object]] = []
    for v in d.verdicts:
        if v.action >= Action.FLAG or v.policy == "hazard":
            top = sorted(v.scores, key=lambda kv: -kv[1])[:3] if v.scores else []
            out.append({"policy": v.policy, "category": v.category, "action": v.action.name, "score": round(v.score, 3),
                        "top": [[h, round(x, 3)] for h, x in top]})
    return out


Errors = dict[str, list[dict[str, object]]]  # what --errors writes: every text got wrong, by set and kind


def development_sets(policies: PolicySet, eval_dir: Path, wrong: Errors | None = None) -> dict[str, object]:
    rows = [r for r in development(eval_dir) if held_out(r[0])]
    decisions = [check(policies, text) for text, _, _ in rows]
    for (text, labels, source), d in zip(rows, decisions, strict=True):
        if wrong is not None and caught(d) != bool(labels["unsafe"]):
            kind = "missed" if labels["unsafe"] else "caught_harmless"
            wrong.setdefault(f"development/{source}/{kind}", []).append({"text": text, "labels": labels, "verdicts": describe(d)})
    by_source: dict[str, dict[str, float]] = {}
    for source in sorted({s for _, _, s in rows}):
        ix = [i for i, r in enumerate(rows) if r[2] == source]
        unsafe = [i for i in ix if rows[i][1]["unsafe"]]
        safe = [i for i in ix if not rows[i][1]["unsafe"]]
        by_source[source] = {"n": len(ix), "recall": rate([caught(decisions[i]) for i in unsafe]) if unsafe else None,
                             "false_positives": rate([caught(decisions[i]) for i in safe]) if safe else None}
    unsafe_truth = [bool(r[1]["unsafe"]) for r in rows]
    got = [caught(d) for d in decisions]
    tp = sum(g and t for g, t in zip(got, unsafe_truth, strict=True))
    precision, recall = tp / max(1, sum(got)), tp / max(1, sum(unsafe_truth))
    overall = {"precision": precision, "recall": recall, "f1": 2 * precision * recall / max(1e-9, precision + recall)}
    per_category: dict[str, dict[str, float | int | None]] = {}
    for c in CATEGORIES:
        known = [i for i, r in enumerate(rows) if c in r[1]]
        truth = [bool(rows[i][1][c]) for i in known]
        if not any(truth):
            continue
        verdicts = [hazard_verdict(decisions[i]) for i in known]
        predicted = [caught(decisions[i]) and v is not None and v.category == c for i, v in zip(known, verdicts, strict=True)]
        any_caught = [caught(decisions[i]) for i in known]
        tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
        p_, r_ = tp / max(1, sum(predicted)), tp / max(1, sum(truth))
        score = [dict(v.scores).get(c, 0.0) if v else 0.0 for v in verdicts]
        per_category[c] = {"n": sum(truth), "precision": p_, "recall": r_, "f1": 2 * p_ * r_ / max(1e-9, p_ + r_),
                           "caught_any_category": rate([a for a, t in zip(any_caught, truth, strict=True) if t]),
                           "auprc": auprc(score, truth)}
    return {"rows": len(rows), "overall": overall, "by_source": by_source, "per_category": per_category}


def functional(policies: PolicySet, wrong: Errors | None = None, rows: list[suite.HazardCase] | None = None,
               name: str = "functional") -> dict[str, object]:
    """The hazard cases (bench/functional/hazards.tsv unless ``rows`` are given) caught per category and functionality;
    ``name`` prefixes their errors."""
    rows = suite.hazard_cases() if rows is None else rows
    out: dict[str, dict[str, float | int]] = {}
    by_fn: dict[str, list[bool]] = defaultdict(list)
    care, refused = [], []
    lookalike_decisions = []
    for case in rows:
        category, label, functionality = case.category, "unsafe" if case.unsafe else "safe", case.functionality
        d = check(policies, case.turns[-1], case.turns[:-1])
        hit = caught(d)
        if wrong is not None and hit != case.unsafe:
            wrong.setdefault(f"{name}/{'missed' if case.unsafe else 'caught_harmless'}", []).append(
                {"turns": list(case.turns), "category": category, "functionality": functionality, "verdicts": describe(d)})
        if not case.unsafe:
            lookalike_decisions.append(d)
        key = f"{category}/{label}"
        entry = out.setdefault(key, {"n": 0, "caught": 0})
        entry["n"] += 1
        entry["caught"] += hit
        by_fn[f"{label}/{functionality}"].append(hit)
        if category == "self_harm" and label == "unsafe":
            care.append(d.action == Action.RESPOND)
            refused.append(d.action == Action.BLOCK)
    table = {k: {"n": v["n"], "caught": v["caught"] / v["n"]} for k, v in sorted(out.items())}
    unsafe = [v for k, v in out.items() if k.endswith("/unsafe")]
    safe = [v for k, v in out.items() if k.endswith("/safe")]
    return {"cases": len(rows), "by_category": table, "by_functionality": {k: rate(v) for k, v in sorted(by_fn.items())},
            "unsafe_caught": sum(v["caught"] for v in unsafe) / max(1, sum(v["n"] for v in unsafe)),
            "safe_caught": sum(v["caught"] for v in safe) / max(1, sum(v["n"] for v in safe)),
            "self_harm_care": rate(care), "self_harm_refused": rate(refused),
            "lookalikes_caught_by": deciders(lookalike_decisions, Action.BLOCK)}


def small_talk(policies: PolicySet) -> dict[str, object]:
    """bench/functional/small_talk.tsv: chat with a bot, users' lines at the input and the bot's replies at the output
    (judged with the message they answer); everything there must pass."""
    rows = suite.small_talk()
    out: dict[str, object] = {}
    for stage in (Stage.INPUT, Stage.OUTPUT):
        decisions: list[tuple[str, Decision]] = []
        for r in (r for r in rows if r.stage == stage.value):
            text, earlier = (r.user, ()) if stage == Stage.INPUT else (r.reply, (r.user,))
            decisions.append((text, policies.check(text, PolicyContext(stage, history=earlier, user_turns=earlier))))
        out[stage.value] = {"n": len(decisions), "flagged_or_more": rate([d.action >= Action.FLAG for _, d in decisions]),
                            "caught": rate([caught(d) for _, d in decisions]),
                            "flagged_by": deciders([d for _, d in decisions], Action.FLAG),
                            "examples": [t for t, d in decisions if d.action >= Action.FLAG][:20]}
    return out


def chat_user_turns() -> list[tuple[str, tuple[str, ...]]]:
    """The users' side of held-out chitchat, each with that user's turn before it (the input policies read the two
    together, for a request split over turns): what ordinary chat looks like to the input stage."""
    return [(turns[i], (turns[i - 2],) if i >= 2 else ()) for turns in heldout_conversations()
            for i in range(0, len(turns), 2)][:1500]


def latency(policies: PolicySet, texts: list[str]) -> dict[str, float]:
    times = []
    for t in texts:
        t0 = time.perf_counter()
        check(policies, t)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"n": len(times), "p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))],
            "encoder_dtype": encoder_dtype("auto")}


def run(policies: PolicySet, eval_dir: Path, wrong: Errors | None = None) -> dict[str, object]:
    """The figures; ``wrong``, where given, collects every text the policies got wrong, with the verdicts."""
    chat = chat_user_turns()
    chat_decisions = [check(policies, t, earlier) for t, earlier in chat]
    if wrong is not None:
        wrong["chat_user_turns/flagged"] = [{"turns": [*earlier, t], "verdicts": describe(d)}
                                            for (t, earlier), d in zip(chat, chat_decisions, strict=True)
                                            if d.action >= Action.FLAG]
    short = [t for t, _, _ in development(eval_dir) if len(t.split()) <= 45][:300]
    results: dict[str, object] = {"development": development_sets(policies, eval_dir, wrong)}
    results["functional"] = functional(policies, wrong)
    results["content"] = functional(policies, wrong, suite.content_cases(), "content")
    results["small_talk"] = small_talk(policies)
    results["chat_user_turns"] = {"n": len(chat), "flagged_or_more": rate([d.action >= Action.FLAG for d in chat_decisions]),
                                  "caught": rate([caught(d) for d in chat_decisions]),
                                  "flagged_by": deciders(chat_decisions, Action.FLAG)}
    results["latency_input_policies"] = latency(policies, short + [t for t, _ in chat[:200]])
    return results


class Remembered:
    """A policy that answers each (text, context) once: the gate sweep reruns the sets with only the gate changed."""

    def __init__(self, policy: Any) -> None:
        self.policy, self.name, self.seen = policy, policy.name, {}

    def check(self, text: str, ctx: PolicyContext) -> Verdict:
        key = (text, tuple(ctx.user_turns), tuple(ctx.history), ctx.stage)
        if key not in self.seen:
            self.seen[key] = self.policy.check(text, ctx)
        return self.seen[key]  # type: ignore[no-any-return]


def gate_sweep(policies: PolicySet, eval_dir: Path, gates: list[float]) -> list[dict[str, float]]:
    """The headline figures at each ``unsafe`` gate of the hazard guard; every model scores each text once."""
    hazard = next(p for p in policies.input if isinstance(p, HazardPolicy))
    model, scores = hazard.model, {}
    predict = model.predict

    def remembered(texts: list[str]) -> list[dict[str, float]]:
        new = [t for t in dict.fromkeys(texts) if t not in scores]
        scores.update(zip(new, predict(new) if new else [], strict=True))
        return [scores[t] for t in texts]

    model.predict = remembered
    policies = dataclasses.replace(policies, input=[p if p is hazard else Remembered(p) for p in policies.input])
    chat = chat_user_turns()
    rows = []
    for gate in gates:
        hazard._thresholds["unsafe"] = gate
        dev, f = development_sets(policies, eval_dir), functional(policies)
        chat_decisions = [check(policies, t, earlier) for t, earlier in chat]
        talk, told = small_talk(policies), functional(policies, rows=suite.content_cases())
        src, o = dev["by_source"], dev["overall"]
        rows.append({"gate": gate, "precision": o["precision"], "recall": o["recall"], "f1": o["f1"],
                     "ailuminate": src["ailuminate"]["recall"], "jailbreak": src["jailbreak"]["recall"],
                     "benign_caught": src["benign"]["false_positives"], "functional_unsafe": f["unsafe_caught"],
                     "lookalikes": f["safe_caught"], "care": f["self_harm_care"], "refused": f["self_harm_refused"],
                     "multi_turn": f["by_category"]["multi_turn/unsafe"]["caught"],
                     "chat_flagged": rate([d.action >= Action.FLAG for d in chat_decisions]),
                     "small_talk_in": talk["input"]["caught"], "small_talk_out": talk["output"]["caught"],
                     "content": told["unsafe_caught"], "content_safe": told["safe_caught"]})
    model.predict = predict
    return rows


def report(results: dict) -> None:
    dev = results["development"]
    o = dev["overall"]
    print(f"held-out development rows: {dev['rows']}; unsafe caught: precision {o['precision']:.3f} recall {o['recall']:.3f} "
          f"F1 {o['f1']:.3f}")
    print(f"{'source':<16} {'n':>5} {'recall':>7} {'false pos':>9}")
    for s, r in dev["by_source"].items():
        rec = "" if r["recall"] is None else f"{r['recall']:.3f}"
        fp = "" if r["false_positives"] is None else f"{r['false_positives']:.3f}"
        print(f"{s:<16} {r['n']:5d} {rec:>7} {fp:>9}")
    print(f"\n{'category':<22} {'n':>4} {'prec':>6} {'recall':>6} {'F1':>6} {'AUPRC':>6} {'caught (any cat.)':>18}")
    for c, r in dev["per_category"].items():
        print(f"{c:<22} {r['n']:4d} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} {r['auprc']:6.3f} "
              f"{r['caught_any_category']:18.3f}")
    if "functional" in results:
        f = results["functional"]
        print(f"\nfunctional suite (bench/functional/hazards.tsv, {f['cases']} cases): unsafe caught {f['unsafe_caught']:.3f}, "
              f"look-alikes caught {f['safe_caught']:.3f}; self-harm: care message {f['self_harm_care']:.3f}, refused "
              f"{f['self_harm_refused']:.3f}")
        for k, r in f["by_category"].items():
            print(f"  {k:<36} n={r['n']:3d} caught {r['caught']:.2f}")
        print(f"  look-alikes caught by: {f['lookalikes_caught_by']}")
    if "content" in results:
        t = results["content"]
        print(f"\ncontent told, not asked for (bench/functional/content.tsv, {t['cases']} cases): unsafe caught "
              f"{t['unsafe_caught']:.3f}, harmless caught {t['safe_caught']:.3f}; "
              + ", ".join(f"{k} {r['caught']:.2f}" for k, r in t["by_category"].items()))
    c = results["chat_user_turns"]
    print(f"\nchitchat user turns (held out, n={c['n']}): flagged or more {c['flagged_or_more']:.4f}, caught {c['caught']:.4f}; "
          f"flagged by {c['flagged_by']}")
    for stage, st in results["small_talk"].items():
        print(f"small talk, {stage} (bench/functional/small_talk.tsv, n={st['n']}): flagged or more {st['flagged_or_more']:.3f}, "
              f"caught {st['caught']:.3f}; flagged by {st['flagged_by']}; {st['examples'][:6]}")
    lat = results["latency_input_policies"]
    print(f"default input policies per message: p50 {lat['p50_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms (n={lat['n']}, "
          f"encoders in {lat['encoder_dtype']})")
    if results.get("gates"):
        heads = ("gate", "precision", "recall", "f1", "ailuminate", "jailbreak", "benign_caught", "functional_unsafe",
                 "lookalikes", "care", "refused", "multi_turn", "chat_flagged", "small_talk_in",
                 "small_talk_out", "content", "content_safe")
        print("\nthe hazard guard's unsafe gate (held-out development rows, functional suite, chat turns):")
        print(" | ".join(heads))
        for row in results["gates"]:
            print(" | ".join(f"{row[h]:.3f}" for h in heads))


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = results["development"]["per_category"]
    names = list(per)
    fig, ax = plt.subplots(figsize=(10, 6))
    width = 0.27
    for k, metric in enumerate(("precision", "recall", "auprc")):
        ax.bar([i + (k - 1) * width for i in range(len(names))], [per[n][metric] for n in names], width, label=metric)
    ax.set_xticks(range(len(names)), names, rotation=35, ha="right")
    ax.set_ylim(0, 1)
    ax.set_title("hazard guard, default input policies, held-out development data")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval-dir", type=Path, required=True, help=EVAL_DIR_HELP)
    ap.add_argument("--out", type=Path, default=HERE / "results/hazard.json")
    ap.add_argument("--config", type=Path, help="a chatkit TOML whose policies are measured (default: the defaults), "
                                                "e.g. [policies.hazard] head = a guard trained by tools/train_hazard.py")
    ap.add_argument("--gates", type=float, nargs="*", default=[], help="also the headline figures at these thresholds "
                                                                       "of the guard's unsafe gate (e.g. 0.8 0.86 0.94)")
    ap.add_argument("--errors", type=Path, help="also write every text the policies got wrong, with the verdicts, here "
                                                "(JSON)")
    args = ap.parse_args()
    policies = policies_from_settings(load_settings(args.config) if args.config else Settings(), load=True)
    wrong: Errors | None = {} if args.errors else None
    results = run(policies, args.eval_dir, wrong)
    if args.errors and wrong is not None:
        args.errors.parent.mkdir(parents=True, exist_ok=True)
        args.errors.write_text(json.dumps(wrong, indent=1) + "\n")
        print(f"errors: {', '.join(f'{k} {len(v)}' for k, v in sorted(wrong.items()))} ({args.errors})")
    if args.gates:
        results["gates"] = gate_sweep(policies, args.eval_dir, args.gates)
    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    chart(results, args.out.with_suffix(".png"))
    print(f"\nwrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
