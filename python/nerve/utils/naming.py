"""The names layers and models get when none is given ("dense", "dense_1", ...), as Keras hands
them out, and clear_session, which starts them again."""

from __future__ import annotations

import gc
import re

_name_counts: dict[str, int] = {}


def unique_name(cls_name: str) -> str:
    """Keras's snake case of the class name (Conv2D -> conv2d, MaxPooling2D -> max_pooling2d,
    InputLayer -> input_layer), then _1, _2, ... for the next ones of the same kind."""
    base = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls_name)
    base = re.sub(r"([a-z])([A-Z])", r"\1_\2", base).lower()
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def clear_session(free_memory=True) -> None:
    """Keras's keras.backend.clear_session / keras.utils.clear_session: layers and models made
    from now on are named as in a fresh process ("dense", "sequential"), and with free_memory the
    garbage collector runs, so the models nobody holds any more give their memory back. Models
    that still exist keep working (nerve keeps no global graph to reset)."""
    _name_counts.clear()
    if free_memory:
        gc.collect()
