"""One module per upstream check; each exposes `CHECK`. The registry lists them."""
