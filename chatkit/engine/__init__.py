"""Model engines: the Generator contract (base.py) and its implementations (transformers/, remote.py),
decoding and logits processors."""
