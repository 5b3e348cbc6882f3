"""Keras-style layers. Each wraps a C++ layer; shapes exclude the batch axis."""

from .base import Input, InputLayer, Layer
from .core import Activation, Dense
from .merge import (Add, Average, Concatenate, Multiply, Subtract, add, average, concatenate,
                    multiply, subtract)
from .symbolic import KerasTensor

__all__ = ["Input", "InputLayer", "Layer", "Activation", "Dense", "Add", "Average", "Concatenate",
           "Multiply", "Subtract", "add", "average", "concatenate", "multiply", "subtract",
           "KerasTensor"]
