"""Keras-style layers. Each wraps a C++ layer; shapes exclude the batch axis."""

from .base import Input, InputLayer, Layer
from .core import Activation, Dense

__all__ = ["Input", "InputLayer", "Layer", "Activation", "Dense"]
