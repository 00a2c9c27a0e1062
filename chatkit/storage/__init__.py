"""Conversation storage: the Store contract and records (base.py), memory, SQLite and Redis stores, export and import."""
