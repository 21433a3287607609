"""The terminal a run talks to: its streams, colour and progress."""
