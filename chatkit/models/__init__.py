"""Models: the catalogue, pulling and converting models, model and adapter cards, LoRA adapters (serving and training)."""
