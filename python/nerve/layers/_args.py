"""Argument normalisation shared by the image layers (Keras accepts an int or a pair)."""

from __future__ import annotations

from ..utils.keras_args import UnsupportedArgumentError
from ._sequence_utils import positive_int


def int_pair(value, what: str, who: str, allow_zero: bool = False) -> tuple[int, int]:
    """(a, b) from an int or a 2-sequence of ints; ValueError naming the layer otherwise."""
    items = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        a, b = items
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b))
    except (TypeError, ValueError):
        ok = False
    low = 0 if allow_zero else 1
    if not ok or a < low or b < low:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{who}: {what} must be a {kind} int or a pair of {kind} ints, got {value!r}"
        )
    return int(a), int(b)


def check_padding(padding, who: str) -> str:
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in ("valid", "same"):
        raise ValueError(f"{who}: padding must be 'valid' or 'same', got {padding!r}")
    return p


def check_data_format(data_format, who: str) -> str:
    if data_format in (None, "channels_last"):
        return "channels_last"
    raise UnsupportedArgumentError(
        f"{who}: data_format={data_format!r} is not supported; nerve "
        f"is channels_last only (channels on the last axis)"
    )


def one_int(value, what, where):
    """A positive int given as an int or a 1-tuple (the 1-D layers' sizes and strides)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{where}: {what} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return positive_int(value, what, where)
