"""Sequential: a plain stack of layers, each feeding the next (the C++ Sequential model).

Once built, a Sequential also has a symbolic graph (an Input and each layer called on the
previous output), as in Keras 3: model.inputs / model.outputs and every layer's .input / .output
exist, so feature-extraction models can be cut out of it. A model used as one of the layers
(Sequential([base_model, Dense(...)])) runs through that graph's C++ GraphModel instead of the
C++ Sequential, which holds single layers only.
"""

from __future__ import annotations

from .. import _core
from ..layers._shapes import fits, from_core, to_core
from ..layers.base import InputLayer, Layer, sample_output_shape
from ..layers.symbolic import KerasTensor, own_graph
from ..saving.serialization import deserialize_layer, serialize_layer
from ..utils.keras_args import reject_unsupported
from .graph_network import GraphNetwork
from .model import Model
from .structure import sample_shapes

_count = 0


class Sequential(Model):
    _traces_call = False

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None):
        global _count
        super().__init__(
            name or ("sequential" if _count == 0 else f"sequential_{_count}"), trainable=trainable
        )
        _count += 1
        self._layers: list[Layer] = []
        self._input_shape = None
        self._input_layer = None  # the InputLayer of the symbolic graph
        self._symbolic = None  # GraphNetwork Input -> layers, once built
        self._core_seq = _core.Sequential()
        for layer in layers or []:
            self.add(layer)

    def add(self, layer, rebuild=True) -> None:
        reject_unsupported("Sequential.add", Sequential.add, rebuild=rebuild)
        if isinstance(layer, KerasTensor) and isinstance(layer._node.layer, InputLayer):
            layer = layer._node.layer  # nerve.Input(shape) as the first entry
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential: an Input must come before every other layer")
            self._input_shape = layer.shape
            self._input_layer = layer
            return
        if isinstance(layer, Model):
            if layer.built and not layer._single_input:
                raise ValueError(
                    f"Sequential.add: {type(layer).__name__} '{layer.name}' takes "
                    f"{len(layer._input_shapes)} inputs; a Sequential passes one"
                )
            if not self._layers and self._input_shape is None and layer.built:
                self._input_shape = tuple(layer._input_shapes[0])
        elif not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a nerve layer, got {type(layer).__name__}")
        else:
            layer._require_core("Sequential.add")
            if not self._layers and self._input_shape is None and layer._input_shape is not None:
                self._input_shape = layer._input_shape
        self._layers.append(layer)
        if not isinstance(layer, Model) and layer._core is not None:
            self._core_seq.add(layer._core)
            layer._core_in_use = True  # a C++ model holds this core now
        elif not isinstance(layer, Model):
            self._pending_python_layers = True  # traced once its input shape is known
        self._symbolic = None
        self._trainer = None
        if self._input_shape is not None:
            self._build_for(self._input_shape)

    def pop(self, rebuild=True) -> None:
        """Remove the last layer."""
        reject_unsupported("Sequential.pop", Sequential.pop, rebuild=rebuild)
        if not self._layers:
            raise ValueError("Sequential.pop: there are no layers")
        layers = self._layers[:-1]
        self._layers, self._core_seq, self._trainer = [], _core.Sequential(), None
        self._symbolic = None
        for layer in layers:
            self._layers.append(layer)
            if not isinstance(layer, Model) and layer._core is not None:
                self._core_seq.add(layer._core)
        if self._input_shape is not None and layers:
            self._build_for(self._input_shape)

    @property
    def layers(self) -> list:
        return list(self._layers)

    @property
    def _holds_models(self) -> bool:
        for layer in self._layers:  # a loop, not any(generator): asked thrice per predict call
            if isinstance(layer, Model):
                return True
        return False

    @property
    def built(self) -> bool:
        return self._symbolic is not None

    def build(self, input_shape) -> None:
        """Build every layer for per-sample inputs of `input_shape` (a leading None batch axis
        is allowed)."""
        if not self._layers:
            raise ValueError("Sequential: add at least one layer before building")
        shapes, single = sample_shapes(input_shape)
        if not single:
            raise ValueError(f"Sequential '{self.name}' takes one input, got shapes {shapes}")
        self._build_for(shapes[0])

    def _build_for(self, sample_shape) -> None:
        """build() for a per-sample shape (no batch axis; None: a length left open)."""
        if not self._layers:
            raise ValueError("Sequential: add at least one layer before building")
        self._trace_python_layers(tuple(sample_shape))
        self._check_built_layers(tuple(sample_shape))
        self._input_shape = tuple(sample_shape)
        if not self._holds_models:
            self._core_seq.build(to_core(self._input_shape))
        self._symbolic = self._trace()
        if not self._trainable:
            self.trainable = False
        if self.loss is not None:
            self._make_trainer()

    def _trace(self):
        """The symbolic graph: an Input of the built shape, then each layer on the previous
        output (the layers are built already, or get built here, as Keras)."""
        if self._input_layer is None or tuple(self._input_layer.shape) != self._input_shape:
            self._input_layer = InputLayer(self._input_shape, name=f"{self.name}_input")
        with own_graph():
            h = self._input_layer._output
            for layer in self._layers:
                h = layer(h)
        return GraphNetwork([self._input_layer._output], [h])

    def _trace_python_layers(self, input_shape) -> None:
        """Layers written in Python get their C++ layer (their call() traced) once the shape of
        their input is known; the C++ Sequential then holds them like any other layer."""
        if not getattr(self, "_pending_python_layers", False):
            return
        shape = tuple(input_shape)
        for layer in self._layers:
            if not isinstance(layer, Model) and layer._core is None:
                layer._build_many([shape])
            shape = tuple(sample_output_shape(layer, shape))
        self._core_seq = _core.Sequential()
        for layer in self._layers:
            if not isinstance(layer, Model):
                self._core_seq.add(layer._core)
                layer._core_in_use = True
        self._pending_python_layers = False

    def _check_built_layers(self, input_shape) -> None:
        """The C++ build re-creates (re-initialises) the weights of a layer built for inputs its
        weights do not fit, e.g. one reused from another model: refuse instead of silently losing
        them (a length left open, or another length of a sequence, keeps them)."""
        shape = tuple(input_shape)
        for layer in self._layers:
            if layer.built and not isinstance(layer, Model):
                accepted = from_core(layer._core.input_specs[0])
                if not fits(accepted, shape) and not fits(shape, accepted):
                    raise ValueError(
                        f"Sequential '{self.name}': {type(layer).__name__} '{layer.name}' was "
                        f"built for inputs of shape {(None,) + accepted} and gets {(None,) + shape} "
                        f"here; nerve cannot rebuild a built layer for another input shape "
                        f"without losing its weights. Use a new layer (copy the weights with "
                        f"set_weights where they fit)"
                    )
            shape = tuple(sample_output_shape(layer, shape))

    @property
    def _core_model(self):
        self._require_built("use the model")
        return self._symbolic.core if self._holds_models else self._core_seq

    @property
    def _input_shapes(self) -> list:
        return [] if self._input_shape is None else [tuple(self._input_shape)]

    @property
    def _core_checks_input_shape(self) -> bool:
        # The C++ Sequential's first layer checks x against the spec _accepted_input_shapes
        # reads from it (shape_fits is fits); a nested model checks its own inputs.
        return not self._holds_models

    @property
    def _output_shapes(self) -> list:
        return [self._output_shape]

    def _accepted_input_shapes(self) -> list:
        """What the first layer accepts (as Keras, a Sequential built for one sequence length
        runs at others wherever its layers' weights allow; each layer checks its input)."""
        first = self._layers[0]
        if isinstance(first, Model):  # a nested model checks its own inputs
            return first._accepted_input_shapes()
        return [from_core(first._core.input_specs[0])]

    @property
    def _output_shape(self) -> tuple:
        """Per-sample output shape (no batch axis)."""
        if not self.built:
            raise ValueError(
                f"Sequential '{self.name}' is not built yet: give an Input or call "
                f"build()/fit() first"
            )
        return tuple(self._symbolic.outputs[0]._sample_shape)

    @property
    def _output_names(self) -> list:
        return [self._layers[-1].name] if self._layers else ["output"]

    def _input_names(self):
        return ["input"]

    def _first_layer_for_input(self, i: int):
        return self._layers[0]

    def _graph_nodes(self) -> list:
        # The C++ Sequential runs plain layers in the run's mode; the graph only with models.
        return list(self._symbolic.nodes) if self.built and self._holds_models else []

    def _call_symbolic(self, xs) -> list:
        return self._symbolic.replay(xs)

    @property
    def inputs(self) -> list:
        """[the symbolic input] once built, as Keras 3."""
        return self._own_tensors("inputs")

    @property
    def outputs(self) -> list:
        return self._own_tensors("outputs")

    def _own_tensors(self, what: str) -> list:
        if not self.built:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined {what} yet: "
                f"start it with nerve.Input(shape) or call build()"
            )
        return list(getattr(self._symbolic, what))

    @property
    def input(self):
        """As Keras 3: the input of this model's first call inside another model (like any
        layer's .input); model.inputs holds its own symbolic input."""
        return self._first_call_tensor(0, "input", "inputs")

    @property
    def output(self):
        return self._first_call_tensor(1, "output", "outputs")

    def _first_call_tensor(self, which: int, what: str, plural: str):
        if self._first_symbolic_call is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has never been called on a "
                f"symbolic input, so (as in Keras 3) it has no {what}; use "
                f"model.{plural}[0]"
            )
        return self._first_symbolic_call[which][0]

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "input_shape": None if self._input_shape is None else list(self._input_shape),
            "layers": [serialize_layer(layer) for layer in self._layers],
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        model = cls(name=config.get("name"))
        if config.get("input_shape") is not None:
            model._input_shape = tuple(config["input_shape"])
        for entry in config["layers"]:
            model.add(deserialize_layer(entry, custom_objects))
        model._trainable = bool(config.get("trainable", True))  # the layers keep their own flags
        return model
