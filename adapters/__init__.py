"""Platform adapters: each translates a platform's events into ChatBot calls and replies back.

Import the one you need (``adapters.console``); each loads its own platform library.
"""
