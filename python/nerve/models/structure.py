"""The graph and weights of a model: building (tracing a subclassed model's call), its layers,
inputs and outputs, calling it (symbolically or on data), freezing, and its weights.

Part of Model (model.py composes it with compile, the training loops and inference); a model's
graph is a GraphNetwork (graph_network.py), the C++ graph that fit and predict run.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _core
from ..layers import call_effects
from ..layers.base import Input, Layer, _drop_batch_axis
from ..layers.symbolic import KerasTensor, calling_model, own_graph
from ..layers.tracing import TracedTensor
from ..ops import _dispatch
from . import data
from .graph_network import GraphNetwork, as_list


def sample_shapes(input_shape) -> tuple[list[tuple], bool]:
    """Per-sample shapes (no batch axis) from a build() argument; a leading None is the batch
    axis; a later None is a size left open (a sequence length). Returns (shapes, single)."""
    many = (
        isinstance(input_shape, (list, tuple))
        and len(input_shape) > 0
        and all(isinstance(s, (list, tuple)) for s in input_shape)
    )
    shapes = [tuple(s) for s in input_shape] if many else [tuple(as_list(input_shape))]
    shapes = [_drop_batch_axis(s) for s in shapes]
    return [tuple(None if d is None else int(d) for d in s) for s in shapes], not many


class ModelStructure:
    """Subclasses provide `layers`, `built`, `build()`, `_core_model`, `_input_shapes`,
    `_output_shapes`, `_output_names`, `_single_input`, `_single_output`. This base provides them
    for subclassed models from the traced graph."""

    _holds_layers = True  # a layer attribute holding a model tracks the model's layers

    # A subclassed model traces its call(); Functional and Sequential are made from layers.
    _traces_call = True

    # Outputs given as a dict (Keras 3: keras.Model(inputs, {"a": t1, "b": t2})): the keys in
    # Keras's flat order (sorted, as keras.tree flattens a dict), which is the order of the
    # C++ graph's outputs, of model.outputs, and of a list of losses or targets; and the keys in
    # the order given, which a call's dict keeps. None for a list or a single output.
    _output_keys = None
    _output_order = None

    def _set_output_keys(self, outputs: dict) -> list:
        """Notes a dict of outputs' keys; returns its tensors in Keras's flat order."""
        if not outputs:
            raise ValueError(f"Model '{self.name}': outputs is an empty dict")
        bad = [k for k in outputs if not isinstance(k, str)]
        if bad:
            raise TypeError(
                f"Model '{self.name}': the keys of a dict of outputs must be strings (they name "
                f"the outputs in losses, metrics, targets and logs), got {bad!r}"
            )
        self._output_order = list(outputs)
        self._output_keys = sorted(outputs)
        return [outputs[k] for k in self._output_keys]

    # Inputs given as a dict (Keras 3: keras.Model({"a": in_a, "b": in_b}, out)): the keys in
    # Keras's flat order (sorted), which is the order of the C++ graph's inputs and of
    # model.inputs, and the keys in the order given (model.input and the config keep it). A call,
    # fit, evaluate and predict then take x as a dict with exactly these keys. None otherwise.
    _input_keys = None
    _input_order = None

    def _set_input_keys(self, inputs: dict) -> list:
        """Notes a dict of inputs' keys; returns its tensors in Keras's flat order."""
        if not inputs:
            raise ValueError(f"Model '{self.name}': inputs is an empty dict")
        bad = [k for k in inputs if not isinstance(k, str)]
        if bad:
            raise TypeError(
                f"Model '{self.name}': the keys of a dict of inputs must be strings (x is then "
                f"a dict keyed by them), got {bad!r}"
            )
        for k, kt in inputs.items():
            name = getattr(getattr(getattr(kt, "_node", None), "layer", None), "name", None)
            if name is not None and name != k:  # Keras warns the same way, then maps by key
                warnings.warn(
                    f"When providing `inputs` as a dict, all keys in the dict must match the "
                    f"names of the corresponding tensors. Received key '{k}' mapping to value "
                    f"{kt!r} which has name '{name}'. Change the tensor name to '{k}' (via "
                    f"`Input(..., name='{k}')`)",
                    UserWarning,
                    stacklevel=4,
                )
        self._input_order = list(inputs)
        self._input_keys = sorted(inputs)
        return [inputs[k] for k in self._input_keys]

    def _flat_inputs(self, x, where: str):
        """For a model whose inputs were given as a dict: x (a dict with exactly its keys) as a
        list in the graph's order. As Keras, a missing key raises ValueError; so does a key the
        model does not have (Keras warns, then maps the sorted entries by position). As Keras,
        a list (one array for one key) is taken in the sorted keys' order, with a warning, when
        the dict was given in that order, and refused otherwise. Other models: x as it is."""
        if self._input_keys is None:
            return x
        if not isinstance(x, dict):
            n = len(self._input_keys)
            xs = list(x) if isinstance(x, (list, tuple)) else [x]
            if isinstance(x, (list, tuple)) and n == 1 and len(xs) != 1:
                xs = [x]  # one input given as a nested list of numbers
            if self._input_order != self._input_keys or len(xs) != n:
                raise ValueError(
                    f"{where}: model '{self.name}' was made with a dict of inputs, so x must be "
                    f"a dict with the keys {self._input_keys}, got {type(x).__name__}"
                    + (
                        ""
                        if self._input_order == self._input_keys
                        else " (as Keras, a list is taken only when the dict was given with "
                        "its keys in sorted order)"
                    )
                )
            warnings.warn(
                f"The structure of `inputs` doesn't match the expected structure: model "
                f"'{self.name}' was made with a dict of inputs {self._input_order}, got "
                f"{type(x).__name__}; its entries are taken in the sorted keys' order",
                UserWarning,
                stacklevel=4,
            )
            return xs
        missing = [k for k in self._input_keys if k not in x]
        if missing:
            raise ValueError(
                f"{where}: missing data for input {missing[0]!r} of model '{self.name}'. You "
                f"passed a data dictionary with keys {sorted(map(str, x))}. Expected the "
                f"following keys: {self._input_keys}"
            )
        extra = [k for k in x if k not in self._input_keys]
        if extra:
            raise ValueError(
                f"{where}: x has entries for unknown input(s) {extra} of model '{self.name}'; "
                f"its inputs are {self._input_keys}"
            )
        return [x[k] for k in self._input_keys]

    def _pack_outputs(self, outs: list, call: bool = False):
        """The model's result from its outputs in the C++ graph's order: the one output, a list,
        or for a dict of outputs a dict, in Keras's key order: a call keeps the order the dict
        was given in, predict sorts the keys (it flattens and packs the batches again)."""
        if self._single_output:
            return outs[0]
        if self._output_keys is None:
            return outs
        packed = dict(zip(self._output_keys, outs))
        return {k: packed[k] for k in self._output_order} if call else packed

    def _flat_outputs(self, y_pred) -> list:
        """A step's predictions (or targets) as a list in the order of the outputs: a dict is
        read by output name."""
        if isinstance(y_pred, dict):
            return [y_pred[k] for k in self._output_names]
        return as_list(y_pred)

    def call(self, inputs, training=None):
        """Subclassed models override this with the forward pass, built from nerve layers."""
        raise NotImplementedError(
            f"{type(self).__name__}: a subclassed Model must define call(self, inputs)"
        )

    @property
    def built(self) -> bool:
        return self._graph is not None

    def build(self, input_shape) -> None:
        """Trace `call` on symbolic inputs of `input_shape` (one shape, or a list of shapes for
        several inputs; a leading None batch axis is allowed, a later None leaves a length open:
        build((None, None, 8))) into the C++ graph."""
        if self._graph is not None:
            return
        shapes, single = sample_shapes(input_shape)
        inputs = [Input(s) for s in shapes]
        try:
            with own_graph(), call_effects.recording() as effects:
                outputs = self.call(inputs[0] if single else inputs)
        except TypeError as e:
            raise TypeError(
                f"{type(self).__name__}.call could not be traced: {e}. call() must be "
                f"built from nerve layers so it can run in C++ (no numpy on its "
                f"inputs, no branching on their values)"
            ) from e
        flat = list(outputs.values()) if isinstance(outputs, dict) else as_list(outputs)
        if not all(isinstance(o, KerasTensor) for o in flat):
            raise TypeError(
                f"{type(self).__name__}.call must return the output of nerve layers "
                f"(or a list or dict of them), got {type(outputs).__name__}"
            )
        self._single_input = single
        self._single_output = not isinstance(outputs, (list, tuple, dict))
        if isinstance(outputs, dict):  # Keras: a dict of outputs, keyed by name
            outputs = self._set_output_keys(outputs)
        outputs = as_list(outputs)
        names = None
        if effects:  # add_loss / metric updates of call(): a hidden layer on the first output
            names = GraphNetwork._unique_names([kt.name for kt in outputs])
            outputs = call_effects.attach(effects, outputs, f"{self.name}_call_effects")
        self._graph = GraphNetwork(inputs, outputs)
        if names is not None:
            self._graph.output_names = names
        # As Keras runs a subclassed model's call on any input its layers take, the traced graph
        # runs at other sequence lengths too (each layer checks its input).
        self._graph.core.flexible_inputs = True
        if not self._trainable:  # frozen before its layers were known
            self.trainable = False
        if self.loss is not None:
            self._make_trainer()

    def _build_for(self, input_shape) -> None:
        """build(), then the trace: a Keras-style subclass may override build() to create its
        layers (and not call super().build()); call() is traced after it."""
        self.build(input_shape)
        if not self.built and type(self).build is not ModelStructure.build:
            ModelStructure.build(self, input_shape)

    def _build_for_call(self, xs, as_list: bool) -> None:
        """Build for a first call on symbolic (or traced) tensors, given with their batch axis as
        Keras's build(input_shape) takes them: a subclassed model through _build_for (its own
        build() may run), a Sequential through build(), which drops the batch axis (its
        _build_for takes per-sample shapes: (None, 32, 32, 3) there would be a 4-D sample)."""
        shapes = [tuple(x.shape) for x in xs] if as_list else tuple(xs[0].shape)
        with own_graph():
            if type(self)._is_subclassed():
                self._build_for(shapes)
            else:
                self.build(shapes)

    @property
    def layers(self) -> list:
        """The layers, in call order; a model used as a layer inside this one is listed once,
        as that model (Keras), though its layers run inline in this model's C++ graph."""
        if self._graph is None:
            return []
        if type(self)._is_subclassed():
            return [
                l
                for l in self._graph.units(self, call_order=True)
                if type(l).__name__ != "InputLayer" and not getattr(l, "_nerve_hidden", False)
            ]
        return self._graph.units(self)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """As in Keras, sets the flag of every layer inside (nested models too): False freezes
        them all (a frozen BatchNormalization also runs in inference mode), True makes them all
        trainable again, whatever their own flags were before. The C++ training step reads the
        flags at every step, so a change takes effect in the next fit with or without a new
        compile() (Keras asks for compile(); with JAX it raises otherwise)."""
        self._trainable = bool(value)
        for layer in self.layers:
            layer.trainable = self._trainable

    def _graph_nodes(self) -> list:
        """The layer calls of the graph the C++ model runs (functional, subclassed)."""
        return list(self._graph.nodes) if self._graph is not None else []

    def compute_output_shape(self, input_shape) -> tuple:
        """Per-sample output shape (no batch axis) for a per-sample input shape (a model used as
        a layer inside a Sequential)."""
        if not self.built:
            self.build(input_shape)
        if tuple(input_shape) != tuple(self._input_shapes[0]):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was built for inputs "
                f"{(None,) + tuple(self._input_shapes[0])}, not "
                f"{(None,) + tuple(input_shape)}"
            )
        if not self._single_output:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' has several outputs; it cannot "
                f"be one step of a Sequential"
            )
        return tuple(self._output_shapes[0])

    @property
    def input(self):
        """The symbolic input (a list when there are several), as Keras' functional models."""
        ins = self.inputs
        if self._input_keys is not None:  # Keras: the dict the model was made with
            by_key = dict(zip(self._input_keys, ins))
            return {k: by_key[k] for k in self._input_order}
        return ins[0] if len(ins) == 1 else ins

    @property
    def output(self):
        """The symbolic output (a list when there are several)."""
        outs = self.outputs
        if self._output_keys is not None:  # Keras: the dict the model was made with
            return self._pack_outputs(outs, call=True)
        return outs[0] if len(outs) == 1 else outs

    @classmethod
    def _is_subclassed(cls) -> bool:
        return cls._traces_call

    @property
    def _core_model(self):
        self._require_built("use the model")
        return self._graph.core

    @property
    def _input_shapes(self) -> list:
        return [kt._sample_shape for kt in self._graph.inputs] if self._graph else []

    @property
    def _output_shapes(self) -> list:
        self._require_built("read its output shape")
        return [kt._sample_shape for kt in self._graph.outputs]

    @property
    def _output_names(self) -> list:
        """The names compile(), fit() and the logs know the outputs by: their layers' names,
        or the keys of a dict of outputs."""
        if self._output_keys is not None:
            return list(self._output_keys)
        self._require_built("name its outputs")
        return self._graph.output_names

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' is not built yet: call build(), "
                f"fit() or predict() (or call it on data) before trying to {what}"
            )

    @property
    def inputs(self) -> list:
        self._require_built("read its inputs")
        return list(self._graph.inputs)

    @property
    def outputs(self) -> list:
        self._require_built("read its outputs")
        return list(self._graph.outputs)

    @property
    def input_shape(self):
        shapes = [(None,) + tuple(s) for s in self._input_shapes]
        if not shapes:
            return None
        if self._input_keys is not None and len(shapes) == 1:  # Keras: a one-key dict too
            return shapes[0]
        return shapes[0] if self._single_input else shapes

    @property
    def output_shape(self):
        shapes = [(None,) + tuple(s) for s in self._output_shapes]
        return shapes[0] if self._single_output else shapes

    @property
    def output_names(self) -> list:
        """The outputs' layer names (Keras: also for a dict of outputs, whose keys name them in
        compile(), fit() and the logs)."""
        if self._output_keys is not None:
            return list(self._graph.output_names)
        return list(self._output_names)

    def __call__(self, inputs, training=None):
        """Symbolic inputs: wire this model's layers into a bigger graph (they are shared).
        nerve.Tensor inputs: run the C++ forward pass with autograd recording (GradientTape).
        numpy inputs: numpy outputs, one pass over the whole batch; inside a recording
        GradientTape they are constants and the outputs recorded nerve.Tensors (as in TensorFlow)."""
        inputs = self._flat_inputs(inputs, "call")
        if type(inputs) is np.ndarray and not training and not _dispatch.active_tracers:
            outs = self._call_on_array(inputs)
            if outs is not None:
                return outs
        xs = as_list(inputs)
        tracer = _dispatch.active_step_tracer()
        if tracer is not None and any(tracer.owns(x) for x in xs):
            # Inside a traced train_step / test_step: one recorded C++ forward pass.
            return tracer.call_model(self, inputs, training)
        if any(isinstance(x, TracedTensor) for x in xs):
            # Inside a custom layer's traced call() (a feed-forward Sequential in a Keras
            # transformer block): the model runs as its layers, each call recorded in the trace.
            if not self.built:
                self._build_for_call(xs, isinstance(inputs, (list, tuple)))
            outs = self._call_symbolic(xs)
            return self._pack_outputs(outs, call=True)
        if any(isinstance(x, KerasTensor) for x in xs):
            if not self.built:
                self._build_for_call(xs, isinstance(inputs, (list, tuple)))
            with calling_model(self, training):
                outs = self._call_symbolic(xs)
            if self._first_symbolic_call is None:  # what a Sequential's .input/.output give
                self._first_symbolic_call = (xs, outs)
            return self._pack_outputs(outs, call=True)
        tensors = [
            x
            if isinstance(x, _core.Tensor)
            else _core.Tensor(data.as_float_array(x, "inputs", self.name))
            for x in xs
        ]
        if not self.built:
            self._build_for(
                [tuple(t.shape[1:]) for t in tensors]
                if len(tensors) > 1
                else tuple(tensors[0].shape[1:])
            )
        self._check_input_shapes([tuple(t.shape) for t in tensors], "call")
        self._check_forced_training("call", bool(training))
        eager = any(isinstance(x, _core.Tensor) for x in xs) or _dispatch.tape_recording()
        previous = _core.set_grad_enabled(eager and _core.grad_enabled())
        try:
            outs = self._core_model.forward_many(tensors, bool(training))
        finally:
            _core.set_grad_enabled(previous)
        if not eager:
            outs = [np.array(o) for o in outs]
        return self._pack_outputs(outs, call=True)

    def _call_on_array(self, x):
        """model(x) on one numpy array in inference mode, by predict's short path (the input's
        NaN/Inf check in C++, the outputs handed over without a copy): a reinforcement-learning
        agent calls its Q-network this way at every environment step. None when the general
        path must run: not built, several inputs, an empty batch, a recording GradientTape,
        or an array to convert or a NaN/Inf to name."""
        if not self.built or x.ndim == 0 or not len(x) or _dispatch.tape_recording():
            return None
        plan = self._one_array_plan()
        if not plan.one_input:
            return None
        if not plan.core_checks_input_shape:
            self._check_input_shapes([x.shape], "call")
        if plan.forced_training:
            self._check_forced_training("call", False)
        outs = self._predict_array(x, len(x), "call", keep_activity=True, plan=plan)
        if outs is None:
            return None
        return outs[0] if plan.single_output else self._pack_outputs(outs, call=True)

    def _call_symbolic(self, xs) -> list:
        return self._graph.replay(xs)

    def get_weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = sum(len(layer.weights) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(
                f"set_weights: the model has {expected} weight arrays, got {len(weights)}"
            )
        i = 0
        for layer in self.layers:
            k = len(layer.weights)
            layer.set_weights(weights[i : i + k])
            i += k

    @property
    def weights(self) -> list:
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list:
        """What an optimizer updates, as nerve.Tensor (shared layers once)."""
        if self.built:
            return list(self._core_model.trainable_weights())
        return self._attribute_trainable_weights()

    def _attribute_trainable_weights(self) -> list:
        """A subclassed model without a graph of its own (a VAE or GAN holding its encoder,
        decoder, generator as attributes): the trainable weights of the layers and models held
        as attributes, in assignment order, each once, as Keras tracks them."""
        found, seen = [], set()
        for value in self.__dict__.values():
            if isinstance(value, (Layer, ModelStructure)):
                for w in value.trainable_weights:
                    if id(w) not in seen:
                        seen.add(id(w))
                        found.append(w)
        return found

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def get_layer(self, name: str | None = None, index: int | None = None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"{type(self).__name__} '{self.name}' has no layer named {name!r}; "
            f"its layers are {[l.name for l in self.layers]}"
        )
