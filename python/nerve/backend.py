"""nerve.backend: the keras.backend functions Keras 3 users call, clear_session above all. nerve
computes in float32, channels-last, with Keras's epsilon 1e-7 built into its C++ losses and
layers: the getters say so, and the setters accept those values and refuse any other (they would
change nothing: a silent difference)."""

from __future__ import annotations

from .layers.symbolic import KerasTensor
from .utils.naming import clear_session

_EPSILON = 1e-7


def backend() -> str:
    """The backend's name, as keras.backend.backend() names "jax" or "torch"."""
    return "nerve"


def epsilon() -> float:
    return _EPSILON


def floatx() -> str:
    return "float32"


def image_data_format() -> str:
    return "channels_last"


def _only(what: str, value, supported) -> None:
    if value != supported:
        raise NotImplementedError(
            f"set_{what}({value!r}): nerve computes with {what} {supported!r} only (built into "
            f"its C++ engine); other values are not supported"
        )


def set_epsilon(value) -> None:
    _only("epsilon", value, _EPSILON)


def set_floatx(value) -> None:
    _only("floatx", value, "float32")


def set_image_data_format(data_format) -> None:
    _only("image_data_format", data_format, "channels_last")


def is_keras_tensor(x) -> bool:
    """True for a symbolic tensor (what nerve.Input and layer calls on it give)."""
    return isinstance(x, KerasTensor)


__all__ = [
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_keras_tensor",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
