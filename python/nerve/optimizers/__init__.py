"""Optimizers (Keras names). Each wraps a C++ optimizer whose fused update rule, gradient
clipping and weight decay run inside the training step."""

from __future__ import annotations

from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .base import Optimizer
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

# Keras's names are the class names, lower-cased ("rmsprop", "adamw"); only Python needs them.
# Lamb has none: keras.optimizers.get("lamb") raises in Keras 3.15 (Lamb is not in its ALL_OBJECTS).
_BY_NAME = {
    cls.__name__.lower(): cls
    for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl)
}


def get(identifier) -> Optimizer:
    """An Optimizer from a Keras name (case-insensitive) or instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Unknown optimizer {identifier!r}. Valid names: {', '.join(_BY_NAME)}")


__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "Nadam",
    "Lion",
    "Lamb",
    "Ftrl",
    "schedules",
    "get",
]
