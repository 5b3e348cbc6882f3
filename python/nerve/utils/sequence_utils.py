"""pad_sequences: lists of unequal-length sequences -> one padded 2-D array (Keras name)."""

from __future__ import annotations

import numpy as np


def pad_sequences(
    sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0
) -> np.ndarray:
    """Pad (or cut) each sequence to `maxlen` (default: the longest), at the start ("pre") or the
    end ("post"), with `value`; the result has shape (len(sequences), maxlen)."""
    for arg, v in (("padding", padding), ("truncating", truncating)):
        if v not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {arg} must be 'pre' or 'post', got {v!r}")
    seqs = [np.asarray(s) for s in sequences]
    if any(s.ndim != 1 for s in seqs):
        raise ValueError("pad_sequences: each sequence must be a flat list of values")
    if maxlen is None:
        maxlen = max((len(s) for s in seqs), default=0)
    elif not isinstance(maxlen, int) or maxlen < 0:
        raise ValueError(
            f"pad_sequences: maxlen must be a non-negative int or None, got {maxlen!r}"
        )
    out = np.full((len(seqs), maxlen), value, dtype=dtype)
    for i, s in enumerate(seqs):
        if maxlen == 0 or len(s) == 0:
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, maxlen - len(kept) :] = kept
    return out
