"""Sequential: a plain stack of layers, each feeding the next (the C++ Sequential model)."""

from __future__ import annotations

from .. import _core
from ..layers.base import InputLayer, Layer
from ..layers.symbolic import KerasTensor
from .model import Model, _sample_shapes

_count = 0


class Sequential(Model):
    def __init__(self, layers=None, name: str | None = None):
        global _count
        super().__init__(name or ("sequential" if _count == 0 else f"sequential_{_count}"))
        _count += 1
        self._layers: list[Layer] = []
        self._input_shape = None
        self._core_seq = _core.Sequential()
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        if isinstance(layer, KerasTensor) and isinstance(layer._node.layer, InputLayer):
            layer = layer._node.layer  # nerve.Input(shape) as the first entry
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential: an Input must come before every other layer")
            self._input_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a nerve layer, got {type(layer).__name__}")
        if not self._layers and self._input_shape is None and layer._input_shape is not None:
            self._input_shape = layer._input_shape
        self._layers.append(layer)
        self._core_seq.add(layer._core)
        self._trainer = None
        if self._input_shape is not None:
            self.build(self._input_shape)

    def pop(self) -> None:
        """Remove the last layer."""
        if not self._layers:
            raise ValueError("Sequential.pop: there are no layers")
        layers = self._layers[:-1]
        self._layers, self._core_seq, self._trainer = [], _core.Sequential(), None
        for layer in layers:
            self._layers.append(layer)
            self._core_seq.add(layer._core)
        if self._input_shape is not None and layers:
            self.build(self._input_shape)

    @property
    def layers(self) -> list:
        return list(self._layers)

    @property
    def built(self) -> bool:
        return self._core_seq.built

    def build(self, input_shape) -> None:
        """Build every layer for per-sample inputs of `input_shape` (a leading None batch axis
        is allowed)."""
        if not self._layers:
            raise ValueError("Sequential: add at least one layer before building")
        shapes, single = _sample_shapes(input_shape)
        if not single:
            raise ValueError(f"Sequential '{self.name}' takes one input, got shapes {shapes}")
        self._check_built_layers(shapes[0])
        self._input_shape = shapes[0]
        self._core_seq.build(list(self._input_shape))
        if self.loss is not None:
            self._make_trainer()

    def _check_built_layers(self, input_shape) -> None:
        """The C++ build re-creates (re-initialises) the weights of a layer built for other
        inputs, e.g. one reused from another model: refuse instead of silently losing them."""
        shape = tuple(input_shape)
        for layer in self._layers:
            if layer.built:
                built = tuple(layer._core.input_shape)
                if built != shape:
                    raise ValueError(
                        f"Sequential '{self.name}': {type(layer).__name__} '{layer.name}' was "
                        f"built for inputs of shape {(None,) + built} and gets {(None,) + shape} "
                        f"here; nerve cannot rebuild a built layer for another input shape "
                        f"without losing its weights. Use a new layer (copy the weights with "
                        f"set_weights where they fit)")
            shape = tuple(layer.compute_output_shape(shape))

    @property
    def _core_model(self):
        self._require_built("use the model")
        return self._core_seq

    @property
    def _input_shapes(self) -> list:
        return [] if self._input_shape is None else [tuple(self._input_shape)]

    @property
    def _output_shapes(self) -> list:
        return [self._output_shape]

    @property
    def _output_shape(self) -> tuple:
        """Per-sample output shape (no batch axis)."""
        if not self.built:
            raise ValueError(f"Sequential '{self.name}' is not built yet: give an Input or call "
                             f"build()/fit() first")
        return tuple(self._core_seq.output_shape())

    @property
    def _output_names(self) -> list:
        return [self._layers[-1].name] if self._layers else ["output"]

    def _input_names(self):
        return ["input"]

    def _first_layer_for_input(self, i: int):
        return self._layers[0]

    def _call_symbolic(self, xs) -> list:
        h = xs[0]
        for layer in self._layers:
            h = layer(h)
        return [h]

    @property
    def inputs(self) -> list:
        raise AttributeError("Sequential models have no symbolic inputs; use a functional model "
                             "(nerve.Model(inputs, outputs)) to reuse them")

    outputs = inputs

    def get_config(self) -> dict:
        from ..saving.serialization import serialize_layer
        return {"name": self.name,
                "input_shape": None if self._input_shape is None else list(self._input_shape),
                "layers": [serialize_layer(layer) for layer in self._layers]}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from ..saving.serialization import deserialize_layer
        model = cls(name=config.get("name"))
        if config.get("input_shape") is not None:
            model._input_shape = tuple(config["input_shape"])
        for entry in config["layers"]:
            model.add(deserialize_layer(entry, custom_objects))
        return model
