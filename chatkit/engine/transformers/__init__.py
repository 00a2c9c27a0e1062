"""The local engine on Hugging Face transformers: the generator, batching, prefix KV reuse, devices."""
