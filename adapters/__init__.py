"""Platform adapters: each translates a platform's events into ChatBot calls and replies back.

Import the one you need (``chatkit.adapters.console``); each loads its own platform library.
"""
