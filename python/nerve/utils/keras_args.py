"""Keras arguments nerve accepts in its signatures but does not implement yet, and the dtype rule.

A Keras user's code must either do what Keras does or fail loudly. So every Keras constructor or
method argument nerve has no implementation for is still a named parameter, with Keras's default;
`reject_unsupported` lets the default through (it means the behaviour nerve has) and raises
UnsupportedArgumentError, naming the owner, the argument and the value, for anything else.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np


class UnsupportedArgumentError(NotImplementedError, ValueError):
    """A Keras argument was given a value nerve does not implement yet. It is both a
    NotImplementedError (what it means) and a ValueError (what Keras raises for bad values)."""


@functools.cache
def _defaults(function) -> dict:
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _is_default(value, default) -> bool:
    if value is default:
        return True
    plain = (bool, int, float, str)
    # 0 is not False, 1.0 is 1: compare like with like (numbers as numbers, bools as bools)
    if not isinstance(value, plain) or not isinstance(default, plain):
        return False
    if isinstance(value, bool) != isinstance(default, bool):
        return False
    if isinstance(value, str) != isinstance(default, str):
        return False
    return value == default


def reject_unsupported(owner: str, signature_of, **given) -> None:
    """Raise UnsupportedArgumentError for the first argument in `given` whose value is not the
    default declared in the signature of `signature_of` (the function that declares them, whose
    defaults are Keras's). `owner` names who is complaining, e.g. "Dense 'dense'" or
    "Model.fit"."""
    defaults = _defaults(signature_of)
    for argument, value in given.items():
        default = defaults[argument]
        if not _is_default(value, default):
            raise UnsupportedArgumentError(
                f"{owner}: {argument}={value!r} is not supported yet; nerve implements only "
                f"Keras's default {argument}={default!r} (leave the argument out)"
            )


# ---- dtype --------------------------------------------------------------------------------
# nerve computes in float32 only. Input may also declare integer or bool data (token ids,
# labels): those arrive as float32, which holds every integer up to 2**24 exactly, far beyond
# any vocabulary, so an Embedding sees the same ids Keras's would.

FLOAT32 = "float32"


def _dtype_name(dtype):
    """The dtype's name ("float32", "int32", "mixed_float16", ...) or None if unrecognised."""
    if dtype is None:
        return None
    if isinstance(dtype, dict):  # a serialised Keras DTypePolicy: {"class_name", "config"}
        config = dtype.get("config")
        return config.get("name") if isinstance(config, dict) else None
    if not isinstance(dtype, (str, type, np.dtype)):
        name = getattr(dtype, "name", None)  # a Keras DTypePolicy object
        return name if isinstance(name, str) else None
    try:
        return np.dtype(dtype).name
    # numpy parses a string such as "f4,(2" as a record format and raises SyntaxError (fuzzing)
    except (TypeError, ValueError, SyntaxError):
        return dtype if isinstance(dtype, str) else None


def check_dtype(owner: str, dtype, allow_integer: bool = False) -> str:
    """The dtype name nerve uses for `dtype=`: "float32" for None, "float32", np.float32 or a
    float32 DTypePolicy; with allow_integer (Input), also an integer or bool dtype's name.
    ValueError naming the owner and the value for anything else."""
    if dtype is None:
        return FLOAT32
    name = _dtype_name(dtype)
    if name == FLOAT32:
        return FLOAT32
    if allow_integer and name is not None and name in _INTEGER_NAMES:
        return name
    also = " (or an integer/bool dtype for integer data)" if allow_integer else ""
    # Keras's text tutorials' "option 1" (strings into the model) has no nerve counterpart
    text = (
        " A model takes no strings: vectorize the texts outside it with "
        "nerve.layers.TextVectorization (ids = vectorize_layer(texts)) and feed it the ids."
        if name in ("string", "str", "bytes", "object")
        else ""
    )
    raise ValueError(
        f"{owner}: dtype={dtype!r} is not supported; nerve computes this in float32 only. "
        f"Pass dtype='float32' or None{also}.{text}"
    )


_INTEGER_NAMES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
)
