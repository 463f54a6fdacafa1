"""Reading what people type, in Arabic (MSA and dialects), Arabizi and English: folding, numbers,
dates, names and priorities. Pure functions that never guess: what is not understood gives None."""
