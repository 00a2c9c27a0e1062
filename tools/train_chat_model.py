"""Train chatkit's bundled chat model: a small Llama-style decoder on the chitchat corpus.

    python tools/train_chat_model.py --out chatkit/assets/model --max-minutes 40

Everything comes from PyPI (``chitchat-dataset``); nothing is downloaded from a model hub.
Writes the model, its byte-level BPE tokenizer with a chat template, ``metrics.json`` and a
model card (``README.md``) with the split, the held-out perplexity next to a smoothed bigram
baseline over the same tokenizer and split, and sample dialogues.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

SPECIALS = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] not in ['system', 'user', 'assistant'] -%}"
    "{{ raise_exception('roles must be system, user or assistant') }}{%- endif -%}"
    "<|{{ message['role'] }}|>{{ message['content'] }}<|end|>"
    "{%- endfor -%}{%- if add_generation_prompt -%}<|assistant|>{%- endif -%}"
)
SYSTEM_PROMPT = "You are a friendly chat partner."
OPENERS = ["hi, how are you?", "what do you do for fun?", "what is your name?",
           "do you have any pets?", "what did you do this weekend?", "i love summer. do you?"]


def load_conversations() -> list[tuple[str, list[str]]]:
    """(id, turns) of each conversation; a turn is one speaker's consecutive utterances."""
    import chitchat_dataset

    convs = []
    for cid, conv in chitchat_dataset.Dataset().items():
        turns = [" ".join(u["text"].strip() for u in m).strip() for m in conv["messages"]]
        turns = [t for t in turns if t]
        if len(turns) >= 2:
            convs.append((cid, turns))
    return convs


def split(convs: list[tuple[str, list[str]]], heldout: float, rng: random.Random):
    """Whole conversations: (train, held out). The benchmarks reuse it through heldout.json."""
    convs = list(convs)
    rng.shuffle(convs)
    n_held = int(len(convs) * heldout)
    return convs[n_held:], convs[:n_held]


def train_tokenizer(texts: list[str], vocab_size: int) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|end|>")
    fast.chat_template = CHAT_TEMPLATE
    return fast


def encode(turns: list[str], tok, block: int, rng: random.Random) -> list[tuple[list[int], list[int], list[int]]]:
    """Windows of whole turns that fit ``block``: (ids, train mask, assistant-only eval mask).

    Even turns are the user's, odd turns the assistant's. The loss trains on both speakers'
    words (both are human chit-chat, so twice the signal per step); perplexity is reported
    on the assistant's words and end marker only.
    """
    tid = tok.convert_tokens_to_ids
    end, pieces = tid("<|end|>"), []
    for i, text in enumerate(turns):
        role = "user" if i % 2 == 0 else "assistant"
        body = [*tok.encode(text, add_special_tokens=False)[: block - 8], end]
        pieces.append((role, [tid(f"<|{role}|>"), *body]))
    out, i = [], 0
    while i < len(pieces):
        ids, train, evalm = [], [], []
        if rng.random() < 0.5:
            sys_ids = [tid("<|system|>"), *tok.encode(SYSTEM_PROMPT, add_special_tokens=False), end]
            ids, train, evalm = sys_ids, [0] * len(sys_ids), [0] * len(sys_ids)
        start = i
        while i < len(pieces) and len(ids) + len(pieces[i][1]) <= block:
            role, p = pieces[i]
            ids += p
            train += [0] + [1] * (len(p) - 1)
            evalm += [0] + [int(role == "assistant")] * (len(p) - 1)
            i += 1
        if i == start:  # cannot happen after truncation, but never loop forever
            i += 1
            continue
        out.append((ids, train, evalm))
        if i < len(pieces) and pieces[i][0] == "assistant" and i - 1 > start:
            i -= 1  # start the next window on the user turn the reply answers
    return out


def batches(samples, batch_size: int, rng: random.Random, pad: int):
    order = list(range(len(samples)))
    rng.shuffle(order)
    chunks = [sorted(order[j:j + 50 * batch_size], key=lambda k: len(samples[k][0]))
              for j in range(0, len(order), 50 * batch_size)]
    groups = [c[j:j + batch_size] for c in chunks for j in range(0, len(c), batch_size)]
    rng.shuffle(groups)
    for g in groups:
        yield collate([samples[k] for k in g], pad)


def collate(group, pad: int, mask_index: int = 1):
    width = max(len(s[0]) for s in group)
    ids = torch.full((len(group), width), pad)
    labels = torch.full((len(group), width), -100)
    for r, s in enumerate(group):
        ids[r, : len(s[0])] = torch.tensor(s[0])
        lab = torch.tensor([t if m else -100 for t, m in zip(s[0], s[mask_index], strict=True)])
        labels[r, : len(s[0])] = lab
    return ids, labels


@torch.no_grad()
def heldout_perplexity(model, samples, pad: int, device: str) -> float:
    model.eval()
    nll, count = 0.0, 0
    for j in range(0, len(samples), 32):
        ids, labels = collate(samples[j:j + 32], pad, mask_index=2)
        logits = model(ids.to(device)).logits[:, :-1].float()
        target = labels[:, 1:].to(device)
        loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="sum")
        nll, count = nll + loss.item(), count + int((target != -100).sum())
    model.train()
    return math.exp(nll / count)


def bigram_perplexity(train, held, vocab: int) -> tuple[float, float]:
    """Interpolated bigram (Jelinek-Mercer over an add-one unigram); the best lambda on the
    held-out split is reported, which flatters the baseline and keeps the comparison fair."""
    big = torch.zeros(vocab, vocab, dtype=torch.float64)
    for ids, train_mask, _ in train:
        t = torch.tensor(ids)
        keep = torch.tensor(train_mask[1:], dtype=torch.bool)
        big.index_put_((t[:-1][keep], t[1:][keep]), torch.ones(int(keep.sum()), dtype=torch.float64), accumulate=True)
    uni = (big.sum(0) + 1) / (big.sum() + vocab)
    cond = big / big.sum(1, keepdim=True).clamp(min=1)
    pairs = [(a, b) for ids, _, ev in held for a, b, m in zip(ids, ids[1:], ev[1:], strict=False) if m]
    a, b = torch.tensor([p[0] for p in pairs]), torch.tensor([p[1] for p in pairs])
    best = min((math.exp(-torch.log(lam * cond[a, b] + (1 - lam) * uni[b]).mean().item()), lam)
               for lam in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95))
    return best


@torch.no_grad()
def sample_dialogues(model, tok, device: str) -> list[dict]:
    model.eval()
    out = []
    for opener in OPENERS:
        msgs = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": opener}]
        ids = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"].to(device)
        gen = model.generate(ids, max_new_tokens=48, do_sample=True, temperature=0.7, top_p=0.9,
                             repetition_penalty=1.15, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
        new = gen[0, ids.shape[1]:]
        ended = bool((new == tok.eos_token_id).any())
        out.append({"user": opener, "bot": tok.decode(new, skip_special_tokens=True).strip(), "ended": ended})
    model.train()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("chatkit/assets/model"))
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--block", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--max-steps", type=int, default=4000)
    ap.add_argument("--max-minutes", type=float, default=40.0, help="stop early after this much training time")
    ap.add_argument("--heldout", type=float, default=0.05, help="share of whole conversations held out")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_convs, held_convs = split(load_conversations(), args.heldout, rng)
    tok = train_tokenizer([t for _, c in train_convs for t in c], args.vocab_size)
    train = [w for _, c in train_convs for w in encode(c, tok, args.block, rng)]
    held = [w for _, c in held_convs for w in encode(c, tok, args.block, random.Random(0))]
    print(f"{len(train_convs)} train / {len(held_convs)} held-out conversations; "
          f"{sum(len(s[0]) for s in train)} train tokens in {len(train)} windows")

    config = LlamaConfig(vocab_size=len(tok), hidden_size=args.d_model, intermediate_size=args.d_model * 8 // 3 // 64 * 64,
                         num_hidden_layers=args.layers, num_attention_heads=args.heads, num_key_value_heads=args.heads,
                         max_position_embeddings=args.block * 2, tie_word_embeddings=True, rms_norm_eps=1e-5,
                         pad_token_id=tok.pad_token_id, bos_token_id=None, eos_token_id=tok.eos_token_id)
    model = LlamaForCausalLM(config).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    warmup, step, t0, seen = 100, 0, time.time(), 0
    while step < args.max_steps and (time.time() - t0) < args.max_minutes * 60:
        for ids, labels in batches(train, args.batch, rng, tok.pad_token_id):
            progress = max(step / args.max_steps, (time.time() - t0) / (args.max_minutes * 60))
            if progress >= 1:
                break
            lr = args.lr * min(1, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
            for group in opt.param_groups:
                group["lr"] = lr
            loss = model(ids.to(device), labels=labels.to(device)).loss
            if not torch.isfinite(loss):
                raise SystemExit(f"non-finite loss at step {step}; lower --lr")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step, seen = step + 1, seen + int((labels != -100).sum())
            if step % 50 == 0:
                print(f"step {step} loss {loss.item():.3f} lr {lr:.2e} {seen / (time.time() - t0):.0f} tok/s", flush=True)
    minutes = (time.time() - t0) / 60

    ppl = heldout_perplexity(model, held, tok.pad_token_id, device)
    bigram_ppl, lam = bigram_perplexity(train, held, len(tok))
    samples = sample_dialogues(model, tok, device)
    args.out.mkdir(parents=True, exist_ok=True)
    model.to("cpu").save_pretrained(args.out)
    tok.save_pretrained(args.out)
    metrics = {"parameters": n_params, "steps": step, "train_minutes": round(minutes, 1), "device": device,
               "train_conversations": len(train_convs), "heldout_conversations": len(held_convs),
               "trained_target_tokens": seen, "heldout_perplexity": round(ppl, 2),
               "bigram_perplexity": round(bigram_ppl, 2), "bigram_lambda": lam, "seed": args.seed,
               "args": {k: str(v) for k, v in vars(args).items()}, "samples": samples}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    (args.out / "heldout.json").write_text(json.dumps({"seed": args.seed, "ids": [cid for cid, _ in held_convs]}) + "\n")
    (args.out / "README.md").write_text(model_card(metrics, config))
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("args", "samples")}, indent=2))


def model_card(m: dict, config: LlamaConfig) -> str:
    dialogues = "\n".join(f"- **user:** {s['user']}\n  **bot:** {s['bot']}{'' if s['ended'] else ' *(cut at 48 tokens)*'}"
                          for s in m["samples"])
    return f"""# chatkit-chitchat (bundled default model)

A {m['parameters'] / 1e6:.1f}M-parameter Llama-style decoder ({config.num_hidden_layers} layers, width {config.hidden_size},
{config.num_attention_heads} heads, vocabulary {config.vocab_size}, trained context {config.max_position_embeddings // 2} tokens)
with its own byte-level BPE tokenizer and a system/user/assistant chat template. Trained from scratch by
`tools/train_chat_model.py`; reproduce with `python tools/train_chat_model.py --out DIR`.

## Data and split
The `chitchat-dataset` corpus (PyPI): open-domain, crowd-sourced two-person chats. Consecutive utterances of
one speaker form a turn; the first speaker is the user, the second the assistant. The corpus's 3,150 single-message
entries (no reply) are dropped. Whole conversations are split
with seed {m['seed']}: {m['train_conversations']} for training, {m['heldout_conversations']} held out and never seen
in training (the tokenizer, too, is trained on the training split only).

## Training
{m['steps']} steps, batch {m['args']['batch']} windows of whole turns up to {m['args']['block']} tokens, AdamW,
peak lr {m['args']['lr']}, cosine decay; {m['trained_target_tokens']:,} target tokens seen; {m['train_minutes']} minutes
on {m['device']}. Loss on both speakers' words; role and system tokens are not predicted.

## Held-out evaluation (assistant turns only)
| model | perplexity |
|---|---|
| this model | {m['heldout_perplexity']} |
| interpolated bigram, same tokenizer and split (lambda {m['bigram_lambda']}) | {m['bigram_perplexity']} |

## Sample dialogues (temperature 0.7, top-p 0.9, repetition penalty 1.15)
{dialogues}

## Limits
A small model trained on 7k chats: it makes small talk, not facts. It is not safe on its own; chatkit's
moderation policies are what make its replies fit to show.
"""


if __name__ == "__main__":
    main()
