"""The turn: the ChatBot facade, the one-way pipeline of a turn, the output gate, the context window, notes and delivery."""
