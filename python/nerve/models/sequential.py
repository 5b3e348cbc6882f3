"""Sequential: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from .. import _core
from ..layers.base import InputLayer, Layer
from .model import Model

_count = 0


class Sequential(Model):
    def __init__(self, layers=None, name: str | None = None):
        global _count
        super().__init__(name or ("sequential" if _count == 0 else f"sequential_{_count}"))
        _count += 1
        self.layers: list[Layer] = []
        self._input_shape = None
        self._core_model = _core.Sequential()
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        if isinstance(layer, InputLayer):
            if self.layers:
                raise ValueError("Sequential: an Input must come before every other layer")
            self._input_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a nerve layer, got {type(layer).__name__}")
        if not self.layers and self._input_shape is None and layer._input_shape is not None:
            self._input_shape = layer._input_shape
        self.layers.append(layer)
        self._core_model.add(layer._core)
        self._trainer = None
        if self._input_shape is not None:
            self.build(self._input_shape)

    @property
    def built(self) -> bool:
        return self._core_model.built

    def build(self, input_shape) -> None:
        """Build every layer for per-sample inputs of `input_shape` (no batch axis)."""
        if not self.layers:
            raise ValueError("Sequential: add at least one layer before building")
        self._input_shape = tuple(int(d) for d in input_shape)
        self._core_model.build(list(self._input_shape))
        if self.loss is not None:
            self._make_trainer()

    @property
    def input_shape(self):
        return None if self._input_shape is None else (None,) + tuple(self._input_shape)

    @property
    def output_shape(self) -> tuple:
        return (None,) + self._output_shape

    @property
    def _output_shape(self) -> tuple:
        """Per-sample output shape (no batch axis)."""
        if not self.built:
            raise ValueError(f"Sequential '{self.name}' is not built yet: give an Input or call "
                             f"build()/fit() first")
        return tuple(self._core_model.output_shape())
