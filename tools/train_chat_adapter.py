"""Train the chat adapter shipped for the default model (``chatkit/assets/adapters/chat``) on CPU.

    python tools/make_chat_data.py --count 560 --seed 0 --max-chars 700 > examples/chat.jsonl
    python tools/train_chat_adapter.py --data examples/chat.jsonl --out chatkit/assets/adapters/chat

The settings below are the shipped adapter's: rank 16 on every linear projection (attention and MLP), one epoch,
batch 4, dialogues of at most about 250 tokens, 5% held out; chats without a system message get chatkit's default
system prompt (``train_lora``), so the adapter learns the prompt chat sends. Loss on assistant turns only. The
weights are then stored in bfloat16 (half the size; peft upcasts them at load).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chatkit.models.lora_train import LoraSettings, train_lora

SETTINGS = LoraSettings(epochs=1, lr=2.5e-3, rank=16, alpha=32, dropout=0.05, batch_size=4, max_tokens=384, heldout=0.05, seed=0)


def store_bf16(weights: Path) -> None:
    """Rewrite an adapter's safetensors file with bfloat16 weights, keeping its metadata."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(weights), "pt") as f:
        metadata = f.metadata()
        tensors = {k: f.get_tensor(k).to(torch.bfloat16) for k in f.keys()}  # noqa: SIM118 (safe_open is no dict)
    mode = weights.stat().st_mode
    save_file(tensors, str(weights), metadata=metadata)
    weights.chmod(mode)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("examples/chat.jsonl"))
    ap.add_argument("--out", type=Path, default=Path("chatkit/assets/adapters/chat"))
    ap.add_argument("--base", default="smollm2-135m")
    args = ap.parse_args()
    result = train_lora(args.data, args.out, base=args.base, settings=SETTINGS,
                        progress=lambda line: (sys.stderr.write(line), sys.stderr.flush()))
    store_bf16(result.out / "adapter_model.safetensors")
    print(f"wrote {result.out}: held-out loss {result.eval_loss_before:.3f} -> {result.eval_loss_after:.3f}, "
          f"{result.steps} steps in {result.seconds:.0f} s")


if __name__ == "__main__":
    main()
