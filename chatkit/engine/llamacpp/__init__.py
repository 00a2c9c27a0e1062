"""The llama.cpp engine (optional extra ``chatkit[llamacpp]``): GGUF models with chatkit's own decoding."""
