"""Models: Sequential (a stack of layers) on the shared Model training API."""

from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential"]
