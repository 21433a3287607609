"""kubectl podsec: Pod Security, answered before you deploy."""

__version__ = "0.1.0"
