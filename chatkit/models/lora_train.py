"""LoRA training (``chatkit train`` / ``train_lora``): chats in the common JSONL form, loss on assistant tokens only,
a held-out split, the adapter saved in peft's format with a card that names its base model.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from chatkit.config import DEFAULT_SYSTEM_PROMPT
from chatkit.engine.tokenizer import load_chat_tokenizer
from chatkit.engine.transformers.devices import pick_device, pick_dtype
from chatkit.errors import DatasetError, TrainingError
from chatkit.hashing import sha256_file
from chatkit.models.cards import ADAPTER_CARD, model_fingerprint
from chatkit.models.resolve import resolve_model

log = logging.getLogger(__name__)

ROLES = {"system", "user", "assistant"}


@dataclass(frozen=True)
class LoraSettings:
    epochs: int = 3
    lr: float = 2e-3
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    batch_size: int = 8
    max_tokens: int = 256
    heldout: float = 0.1
    seed: int = 0
    target_modules: Sequence[str] | str = "all-linear"

    def __post_init__(self) -> None:
        checks = [("epochs", self.epochs >= 1, "at least 1"), ("lr", self.lr > 0, "above 0"),
                  ("rank", self.rank >= 1, "at least 1"), ("alpha", self.alpha > 0, "above 0"),
                  ("dropout", 0 <= self.dropout < 1, "from 0 to below 1"), ("batch_size", self.batch_size >= 1, "at least 1"),
                  ("max_tokens", self.max_tokens >= 8, "at least 8"), ("heldout", 0 <= self.heldout < 1, "from 0 to below 1")]
        for name, ok, rule in checks:
            if not ok or not math.isfinite(getattr(self, name)):
                raise TrainingError(f"--{name.replace('_', '-')} must be {rule}, not {getattr(self, name)}; nothing was trained")


@dataclass
class TrainResult:
    out: Path
    eval_loss_before: float
    eval_loss_after: float
    train_conversations: int
    heldout_conversations: int
    steps: int
    seconds: float
    skipped_lines: list[int] = field(default_factory=list)


def _readme(card: dict[str, Any]) -> str:
    s = card["settings"]
    return (f"# LoRA adapter (chatkit)\n\nBase model: `{card['base_model']}` (fingerprint {card['base_fingerprint']}).\n"
            f"Data: `{card['data']}` (sha256 {card['data_sha256'][:16]}...), {card['conversations']} conversations: "
            f"{card['train_conversations']} for training, {card['heldout_conversations']} held out.\n"
            f"Training: {card['steps']} steps, {s['epochs']} epochs, rank {s['rank']}, alpha {s['alpha']}, lr {s['lr']}, "
            f"{card['seconds']} s on {card['device']}; loss on assistant turns only.\n"
            f"Held-out loss: {card['eval_loss_before']} without the adapter, {card['eval_loss_after']} with it.\n\n"
            f"Use: `chatkit chat --adapter PATH`, or `[adapters.paths]` in chatkit.toml.\n")


def read_chats(path: Path, on_bad_line: Literal["skip", "stop"] = "stop") -> tuple[list[list[dict[str, str]]], list[int]]:
    """Conversations from JSONL lines of {"messages": [{"role": ..., "content": ...}, ...]}; returns them and skipped lines."""
    if not path.is_file():
        raise DatasetError(f"training data {path} does not exist")
    chats, skipped = [], []
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                messages = json.loads(line)["messages"]
                if not isinstance(messages, list) or not all(
                        isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str) for m in messages):
                    raise ValueError("each message needs a role (system, user or assistant) and a string content")
                if not any(m["role"] == "assistant" for m in messages):
                    raise ValueError("no assistant message to learn from")
            except (ValueError, KeyError, TypeError) as e:
                if on_bad_line == "stop":
                    raise DatasetError(f"{path}:{number}: not a chat line ({e}); fix it, or pass --skip-bad-lines") from None
                log.warning("%s:%d skipped: %s", path, number, e)
                skipped.append(number)
                continue
            chats.append([{"role": m["role"], "content": m["content"]} for m in messages])
    if not chats:
        raise DatasetError(f"{path} holds no usable conversations")
    return chats, skipped


def split_heldout(chats: list[list[dict[str, str]]], heldout: float,
                  rng: random.Random) -> tuple[list[list[dict[str, str]]], list[list[dict[str, str]]]]:
    """(held out, for training): ``chats`` shuffled in place by ``rng``, the first share held out (at least one of two
    or more). A benchmark that passes ``random.Random(seed)`` gets the split an adapter's card describes."""
    rng.shuffle(chats)
    n_held = max(1, int(len(chats) * heldout)) if len(chats) > 1 else 0
    return chats[:n_held], chats[n_held:]


def encode_chat(tokenizer: Any, chat: list[dict[str, str]], max_tokens: int,
                system_prompt: str | None = None) -> tuple[list[int], list[int]]:
    """Token ids and labels (-100 except on assistant turns), by rendering the chat template one message at a time.

    A chat without a system message gets ``system_prompt``, the one chat will send: otherwise a
    template that injects its own default (SmolLM2's does) trains the adapter on another prompt.
    """
    if system_prompt and chat[0]["role"] != "system":
        chat = [{"role": "system", "content": system_prompt}, *chat]
    ids: list[int] = []
    labels: list[int] = []
    for i, message in enumerate(chat):
        rendered = tokenizer.apply_chat_template(chat[: i + 1], tokenize=True, return_dict=True)["input_ids"]
        new = list(rendered[len(ids):])
        ids += new
        labels += new if message["role"] == "assistant" else [-100] * len(new)
    return ids[:max_tokens], labels[:max_tokens]


def train_lora(data: Path | str, out: Path | str, *, base: Path | str | None = None,
               settings: LoraSettings | None = None, on_bad_line: Literal["skip", "stop"] = "stop",
               progress: Callable[[str], None] | None = None, system_prompt: str | None = None,
               dtype: str = "auto") -> TrainResult:
    """Train a LoRA adapter on chats in ``data`` and save it to ``out`` (written whole, or not at all).

    ``base`` is anything ``model.path`` takes (default: the default model). Chats without a system
    message are rendered with ``system_prompt`` (default: chat's own default), as chat will send them.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    s = settings or LoraSettings()
    data, out = Path(data), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise TrainingError(f"{out} exists and is not an empty directory; choose another --out")
    try:  # find out now, not after minutes of training, that the adapter could not be written
        out.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryDirectory(prefix=".chatkit-lora-", dir=out.parent).cleanup()
    except OSError as e:
        raise TrainingError(f"cannot write {out} ({e.strerror}); choose another --out (nothing was trained)") from None
    chats, skipped = read_chats(data, on_bad_line)
    resolved = resolve_model(base)
    base_dir = resolved.path
    system = DEFAULT_SYSTEM_PROMPT if system_prompt is None else system_prompt
    tokenizer = load_chat_tokenizer(base_dir)
    rng = random.Random(s.seed)
    held, train = split_heldout(chats, s.heldout, rng)
    encode = [encode_chat(tokenizer, c, s.max_tokens, system) for c in train]
    held_encoded = [encode_chat(tokenizer, c, s.max_tokens, system) for c in held] or encode[:1]

    torch.manual_seed(s.seed)
    device = pick_device("auto")
    dt = pick_dtype(dtype, device, base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, local_files_only=True, dtype=getattr(torch, dt)).to(device)
    config = LoraConfig(task_type="CAUSAL_LM", r=s.rank, lora_alpha=s.alpha, lora_dropout=s.dropout,
                        target_modules=list(s.target_modules) if not isinstance(s.target_modules, str) else s.target_modules)
    model = get_peft_model(model, config)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def batch(rows: list[tuple[list[int], list[int]]]) -> tuple[Any, Any]:
        width = max(len(r[0]) for r in rows)
        ids = torch.full((len(rows), width), pad)
        labels = torch.full((len(rows), width), -100)
        for k, (i, lab) in enumerate(rows):
            ids[k, : len(i)], labels[k, : len(lab)] = torch.tensor(i), torch.tensor(lab)
        return ids.to(device), labels.to(device)

    @torch.no_grad()
    def evaluate() -> float:
        model.eval()
        losses = []
        for j in range(0, len(held_encoded), s.batch_size):
            ids, labels = batch(held_encoded[j:j + s.batch_size])
            losses.append(model(ids, labels=labels).loss.item())
        model.train()
        return sum(losses) / len(losses)

    report = progress or (lambda line: log.debug(line.strip()))  # the CLI passes a progress bar on stderr
    t0, before, step = time.time(), evaluate(), 0
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=s.lr)
    total = s.epochs * math.ceil(len(encode) / s.batch_size)
    for epoch in range(s.epochs):
        order = list(range(len(encode)))
        rng.shuffle(order)
        for j in range(0, len(order), s.batch_size):
            ids, labels = batch([encode[k] for k in order[j:j + s.batch_size]])
            loss = model(ids, labels=labels).loss
            if not torch.isfinite(loss):
                raise TrainingError(f"the loss became {loss.item()} at step {step}; lower --lr. Nothing was written.")
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            done = int(30 * step / total)
            report(f"\repoch {epoch + 1}/{s.epochs} [{'#' * done}{'.' * (30 - done)}] step {step}/{total} loss {loss.item():.3f}")
    after = evaluate()
    seconds = time.time() - t0
    report(f"\neval loss on {len(held)} held-out conversations: {before:.3f} before, {after:.3f} after ({seconds:.0f} s)\n")

    tmp = Path(tempfile.mkdtemp(prefix=".chatkit-lora-", dir=out.parent if out.parent.exists() else None))
    try:
        model.save_pretrained(tmp)
        label = resolved.name or str(base_dir)
        card = {"base_model": label, "base_name": resolved.name, "base_fingerprint": model_fingerprint(base_dir),
                "system_prompt": system, "dtype": dt,
                "data": str(data), "data_sha256": sha256_file(data),
                "conversations": len(chats), "train_conversations": len(train), "heldout_conversations": len(held),
                "skipped_lines": skipped, "settings": {k: v if not isinstance(v, tuple) else list(v) for k, v in asdict(s).items()},
                "eval_loss_before": round(before, 4), "eval_loss_after": round(after, 4), "steps": step,
                "seconds": round(seconds, 1), "device": device}
        (tmp / ADAPTER_CARD).write_text(json.dumps(card, indent=2) + "\n")
        (tmp / "README.md").write_text(_readme(card))  # instead of peft's empty template
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide an installed adapter from other users
        for f in tmp.iterdir():
            f.chmod(0o644)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.rmdir()
        shutil.move(str(tmp), out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return TrainResult(out, before, after, len(train), len(held), step, seconds, skipped)
