"""Per-sample shapes across the C++ boundary. Python spells an unknown dimension (a sequence
length left open, Keras' None) as None; the C++ layers spell it -1."""

from __future__ import annotations

UNKNOWN = -1  # the C++ spelling of None (nerve::kUnknownDim)


def to_core(shape) -> list[int]:
    """A per-sample shape for the C++ layers: None -> -1."""
    return [UNKNOWN if d is None else int(d) for d in shape]


def from_core(shape) -> tuple:
    """A per-sample shape from the C++ layers: -1 -> None."""
    return tuple(None if d is None or int(d) == UNKNOWN else int(d) for d in shape)


def fits(spec, shape) -> bool:
    """True when `shape` fits `spec`: the same rank, equal wherever spec is not None."""
    spec, shape = tuple(spec), tuple(shape)
    return len(spec) == len(shape) and all(s is None or s == d for s, d in zip(spec, shape))
