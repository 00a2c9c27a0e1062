"""The models behind the learned policies: the shared sentence encoder, the content heads, the offline toxicity scorer."""
