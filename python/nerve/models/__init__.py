"""Models: Sequential (a stack of layers), functional (nerve.Model(inputs, outputs)) and
subclassed (class M(nerve.Model) with call()), on one shared training API; saving and loading."""

from ..saving import load_model, model_from_json, save_model
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential

__all__ = [
    "Functional",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]
