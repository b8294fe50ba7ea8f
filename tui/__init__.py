"""``yibao explain``: a settlement step by step, in a terminal app or as a letter (see app.py)."""
