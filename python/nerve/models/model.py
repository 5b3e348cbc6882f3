"""compile / fit / evaluate / predict: the Keras training API over the C++ Trainer.

fit() runs the steps of an epoch in C++ chunks (forward, loss, backward and optimizer update per
step, no Python per op, GIL released); Python only updates the progress bar and calls callbacks
between chunks. A chunk lasts about 50 ms, or one step when a callback has per-batch hooks or
the learning rate comes from a Python callable. Generators and other iterables of batches run
one C++ step per batch.

One Model class serves three kinds of model: Sequential, functional (nerve.Model(inputs,
outputs), see functional.py) and subclassed (`class M(nerve.Model)` with a `call` method). A
subclassed model's `call` is traced once with symbolic inputs, when the model is first built, into
the same C++ graph a functional model uses, so training still runs entirely in C++. `call` must
therefore be traceable: built from nerve layers (and +, -, * between their outputs), with no
Python branching on values.
"""

from __future__ import annotations

import inspect
import json
import math
import time
import warnings

import numpy as np

from .. import _core, optimizers
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..callbacks import CallbackList, History
from ..errors import NonFiniteLossError
from ..layers._shapes import fits
from ..layers.base import Input, RefusesPythonHooks, _drop_batch_axis, _unique_name
from ..layers.symbolic import KerasTensor, calling_model, own_graph
from ..utils.keras_args import reject_unsupported
from ..utils.progbar import Progbar
from . import data
from .summary import format_summary

_CHUNK_SECONDS = 0.05


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _is_array_like(a) -> bool:
    return hasattr(a, "shape") and hasattr(a, "dtype") or isinstance(a, _core.Tensor)


def _flat_ids(ids) -> list:
    """Every metric identifier of a compile() metrics argument (list, list of lists, dict)."""
    values = ids.values() if isinstance(ids, dict) else ids
    return [
        m for v in values for m in (v if isinstance(v, (list, tuple)) else [v]) if m is not None
    ]


# The Keras hooks a subclassed model may override to customise the built-in loops; nerve's loops
# run whole steps in C++ and cannot call them yet, so a model that overrides one is refused.
_STEP_HOOKS = {
    "fit": ("train_step", "test_step", "compute_loss", "compute_metrics"),
    "train_on_batch": ("train_step", "compute_loss", "compute_metrics"),
    "evaluate": ("test_step", "compute_loss", "compute_metrics"),
    "test_on_batch": ("test_step", "compute_loss", "compute_metrics"),
    "predict": ("predict_step",),
    "predict_on_batch": ("predict_step",),
}
_TRAINING_RUNS = ("fit", "train_on_batch")  # the others run the model in inference mode


def _sample_shapes(input_shape) -> tuple[list[tuple], bool]:
    """Per-sample shapes (no batch axis) from a build() argument; a leading None is the batch
    axis; a later None is a size left open (a sequence length). Returns (shapes, single)."""
    many = (
        isinstance(input_shape, (list, tuple))
        and len(input_shape) > 0
        and all(isinstance(s, (list, tuple)) for s in input_shape)
    )
    shapes = [tuple(s) for s in input_shape] if many else [tuple(_as_list(input_shape))]
    shapes = [_drop_batch_axis(s) for s in shapes]
    return [tuple(None if d is None else int(d) for d in s) for s in shapes], not many


class Model(RefusesPythonHooks):
    """Base of all models; `nerve.Model(inputs, outputs)` makes a functional model.

    Subclasses provide `layers`, `built`, `build()`, `_core_model`, `_input_shapes`,
    `_output_shapes`, `_output_names`, `_single_input`, `_single_output`. The base provides them
    for subclassed models from the traced graph.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional

            return object.__new__(Functional)
        obj = object.__new__(cls)
        obj._auto_config = _capture_init_args(cls, args, kwargs)
        return obj

    def __init__(self, name: str | None = None, trainable: bool = True, **kwargs):
        if kwargs:
            raise TypeError(
                f"Model: unexpected arguments {sorted(kwargs)}; a functional model "
                f"needs both inputs= and outputs="
            )
        self.name = name or _unique_name(
            type(self).__name__ if type(self) is not Model else "Model"
        )
        self._trainer = None
        self.optimizer = None
        self.loss = None
        self._losses = []
        self._loss_weights = None
        self._compile_config = None
        self._metric_ids = []
        self._weighted_metric_ids = []
        self._metric_names: list[str] = []
        self._metric_objects = []
        self.stop_training = False
        self.history = None
        self._graph = None  # functional and traced subclassed models
        self._trainable = bool(trainable)  # applied to the layers once they are known
        self._first_symbolic_call = None  # (inputs, outputs) of the first call on symbolic inputs
        self._single_input = True
        self._single_output = True

    # ---- the graph (functional and subclassed models) ------------------------------------
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
        from .functional import GraphNetwork

        shapes, single = _sample_shapes(input_shape)
        inputs = [Input(s) for s in shapes]
        try:
            with own_graph():
                outputs = self.call(inputs[0] if single else inputs)
        except TypeError as e:
            raise TypeError(
                f"{type(self).__name__}.call could not be traced: {e}. call() must be "
                f"built from nerve layers so it can run in C++ (no numpy on its "
                f"inputs, no branching on their values)"
            ) from e
        if not all(isinstance(o, KerasTensor) for o in _as_list(outputs)):
            raise TypeError(
                f"{type(self).__name__}.call must return the output of nerve layers "
                f"(or a list of them), got {type(outputs).__name__}"
            )
        self._single_input = single
        self._single_output = not isinstance(outputs, (list, tuple))
        self._graph = GraphNetwork(inputs, _as_list(outputs))
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
        if not self.built and type(self).build is not Model.build:
            Model.build(self, input_shape)

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
                if type(l).__name__ != "InputLayer"
            ]
        return self._graph.units(self)

    # ---- a model used as a layer, and freezing --------------------------------------------
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

    def _frozen_conflicts(self) -> list:
        """Trainable layers inside a frozen nested model: Keras would not train them (a frozen
        model contributes no trainable weights); nerve's C++ graph would."""
        found = []
        for layer in self.layers:
            if isinstance(layer, Model):
                if not layer.trainable:
                    found += [
                        f"{type(l).__name__} '{l.name}' in frozen model '{layer.name}'"
                        for l in _all_layers(layer)
                        if l.trainable and l.weights
                    ]
                else:
                    found += layer._frozen_conflicts()
        return found

    def _check_trainable_flags(self, where: str) -> None:
        found = (
            []
            if self.trainable
            else [
                f"{type(l).__name__} '{l.name}'"
                for l in _all_layers(self)
                if l.trainable and l.weights
            ]
        ) + self._frozen_conflicts()
        if found:
            raise ValueError(
                f"{where}: {', '.join(found)} is trainable inside a model whose trainable is "
                f"False. Keras trains none of a frozen model's weights; nerve would train these. "
                f"Set the model's trainable (which sets every layer inside) or the layers' "
                f"trainable to say which weights train."
            )

    def _graph_nodes(self) -> list:
        """The layer calls of the graph the C++ model runs (functional, subclassed)."""
        return list(self._graph.nodes) if self._graph is not None else []

    def _check_forced_training(self, where: str, training: bool) -> None:
        """A layer call given training=True/False in the model (Keras' `base(x, training=False)`)
        keeps that mode in Keras whatever the run; nerve runs the whole graph in the run's mode.
        Refuse the runs where that changes a result."""
        for node in self._graph_nodes():
            if node.training is None or bool(node.training) == training:
                continue
            why = _training_dependence(node.layer)
            if why:
                layer = node.layer
                raise NotImplementedError(
                    f"{where}: {type(layer).__name__} '{layer.name}' was called with "
                    f"training={node.training} in model '{self.name}', but {where}() runs it in "
                    f"{'training' if training else 'inference'} mode and nerve cannot force one "
                    f"call's mode yet ({why}). Remove training= from that call, or make the "
                    f"layer independent of the mode (a frozen BatchNormalization, trainable="
                    f"False, always runs in inference mode; Dropout with rate 0 does nothing)."
                )

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
        return ins[0] if len(ins) == 1 else ins

    @property
    def output(self):
        """The symbolic output (a list when there are several)."""
        outs = self.outputs
        return outs[0] if len(outs) == 1 else outs

    @classmethod
    def _is_subclassed(cls) -> bool:
        from .functional import Functional
        from .sequential import Sequential

        return not issubclass(cls, (Functional, Sequential))

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
        return shapes[0] if self._single_input else shapes

    @property
    def output_shape(self):
        shapes = [(None,) + tuple(s) for s in self._output_shapes]
        return shapes[0] if self._single_output else shapes

    @property
    def output_names(self) -> list:
        return list(self._output_names)

    def __call__(self, inputs, training=None):
        """Symbolic inputs: wire this model's layers into a bigger graph (they are shared).
        nerve.Tensor inputs: run the C++ forward pass with autograd recording (GradientTape).
        numpy inputs: numpy outputs, one pass over the whole batch."""
        xs = _as_list(inputs)
        if any(isinstance(x, KerasTensor) for x in xs):
            if not self.built:
                with own_graph():
                    self._build_for(
                        [x.shape for x in xs] if isinstance(inputs, (list, tuple)) else xs[0].shape
                    )
            with calling_model(self, training):
                outs = self._call_symbolic(xs)
            if self._first_symbolic_call is None:  # what a Sequential's .input/.output give
                self._first_symbolic_call = (xs, outs)
            return outs[0] if self._single_output else outs
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
        eager = any(isinstance(x, _core.Tensor) for x in xs)
        previous = _core.set_grad_enabled(eager and _core.grad_enabled())
        try:
            outs = self._core_model.forward_many(tensors, bool(training))
        finally:
            _core.set_grad_enabled(previous)
        if not eager:
            outs = [np.array(o) for o in outs]
        return outs[0] if self._single_output else outs

    def _call_symbolic(self, xs) -> list:
        return self._graph.replay(xs)

    def _hook_owner(self) -> str:  # add_weight / add_loss / add_metric name the model
        return f"{type(self).__name__} '{self.name}'"

    def _check_run(self, where: str) -> None:
        """What a run of `where` (fit, evaluate, ...) cannot honour, refused before it starts:
        an overridden step, a trainable layer inside a frozen model (training runs), and, once
        built, a layer call whose forced mode differs from the run's."""
        self._refuse_custom_steps(where)
        training = where in _TRAINING_RUNS
        if training:
            self._check_trainable_flags(where)
        if self.built:
            self._check_forced_training(where, training)

    def _refuse_custom_steps(self, where: str) -> None:
        """A Keras model that overrides train_step (or test_step, predict_step, compute_loss,
        compute_metrics) expects `where` to run it; nerve's C++ loops cannot, so say so rather
        than silently running the built-in step."""
        hooks = [h for h in _STEP_HOOKS[where] if getattr(type(self), h, None) is not None]
        if hooks:
            raise NotImplementedError(
                f"{type(self).__name__} '{self.name}' overrides {', '.join(hooks)}, but nerve's "
                f"{where}() runs its built-in step in C++ and does not call custom steps yet. "
                f"Write the loop yourself with nerve.GradientTape (forward pass, loss, "
                f"tape.gradient, optimizer.apply_gradients; see examples/custom_training_loop.py)"
                f", or remove the override to use the built-in step."
            )

    # ---- compile ------------------------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Choose the optimizer, the loss (one, or one per output as a list or a dict keyed by
        output name), metrics (a list for every output, or per output), loss_weights (the total
        loss is sum_i loss_weights[i] * loss_i) and weighted_metrics (weighted by sample_weight /
        class_weight; metrics are not, as in Keras 3). The training step runs in C++: Keras's
        execution options (run_eagerly, steps_per_execution, jit_compile, auto_scale_loss) take
        only their defaults."""
        reject_unsupported(
            "Model.compile",
            Model.compile,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            auto_scale_loss=auto_scale_loss,
        )
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='mse'")
        self.optimizer = optimizers.get(optimizer)
        if isinstance(loss, dict):
            self.loss = {k: losses_mod.get(v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            self.loss = [losses_mod.get(v) for v in loss]
        else:
            self.loss = losses_mod.get(loss)
        self._loss_weights = loss_weights
        self._metric_ids = metrics if isinstance(metrics, dict) else list(metrics or [])
        self._weighted_metric_ids = (
            weighted_metrics if isinstance(weighted_metrics, dict) else list(weighted_metrics or [])
        )
        # Validate names now (and, with one loss, that metric and loss read the same targets);
        # the variants are resolved per output once the model is built.
        for m in _flat_ids(self._metric_ids) + _flat_ids(self._weighted_metric_ids):
            if isinstance(self.loss, losses_mod.Loss):
                metrics_mod.resolve(m, self.loss, (1,))
            else:
                metrics_mod.get(m, "", (1,))
        self._compile_config = {
            "loss": loss,
            "metrics": metrics,
            "loss_weights": loss_weights,
            "weighted_metrics": weighted_metrics,
        }
        self._trainer = None
        if self.built:
            self._make_trainer()

    def _per_output(self, spec, what: str, default=None) -> list:
        names, n = self._output_names, len(self._output_names)
        if spec is None:
            return [default] * n
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(
                    f"compile: {what} given for unknown output(s) {unknown}; the "
                    f"model's outputs are {names}"
                )
            if default is None and len(spec) != n:
                raise ValueError(
                    f"compile: {what} is missing for output(s) "
                    f"{[k for k in names if k not in spec]}"
                )
            return [spec.get(k, default) for k in names]
        if isinstance(spec, (list, tuple)):
            if len(spec) != n:
                raise ValueError(
                    f"compile: {len(spec)} {what} entries for a model with {n} output(s) {names}"
                )
            return list(spec)
        return [spec] * n

    def _metrics_per_output(self, ids, what: str) -> list:
        """metrics / weighted_metrics as one list per output: a flat list applies to every
        output; a list of lists or a dict keyed by output name gives each its own."""
        if isinstance(ids, dict):
            return [_as_list(v) if v is not None else [] for v in self._per_output(ids, what, [])]
        if ids and all(isinstance(m, (list, tuple)) for m in ids):
            return [list(v) for v in self._per_output(ids, what, [])]
        return [list(ids)] * len(self._output_names)

    def _make_trainer(self):
        self._losses = [losses_mod.get(l) for l in self._per_output(self.loss, "loss")]
        weights = [float(w) for w in self._per_output(self._loss_weights, "loss_weights", 1.0)]
        plain = self._metrics_per_output(self._metric_ids, "metrics")
        weighted = self._metrics_per_output(self._weighted_metric_ids, "weighted_metrics")
        multi = len(self._output_names) > 1
        specs, self._metric_names, self._metric_objects = [], [], []
        for out_name, loss, shape, ms, wms in zip(
            self._output_names, self._losses, self._output_shapes, plain, weighted
        ):
            resolved = [metrics_mod.resolve(m, loss, shape) for m in ms]
            names = [name for name, _, _ in resolved]
            for m in wms:
                name, spec, obj = metrics_mod.resolve(m, loss, shape, weighted=True)
                resolved.append((f"weighted_{name}" if name in names else name, spec, obj))
                names.append(resolved[-1][0])
            specs.append([spec for _, spec, _ in resolved])
            self._metric_names += [f"{out_name}_{n}" if multi else n for n in names]
            self._metric_objects += [obj for _, _, obj in resolved]
        self._trainer = _core.Trainer(
            self._core_model,
            [l._to_core() for l in self._losses],
            weights,
            self.optimizer._core,
            specs,
        )

    @property
    def metrics_names(self) -> list:
        multi = len(self._output_names) > 1 if self.built else False
        return [
            "loss",
            *([f"{n}_loss" for n in self._output_names] if multi else []),
            *self._metric_names,
        ]

    # ---- data ---------------------------------------------------------------------------
    def _arrays(self, x, what: str, names, where: str) -> list:
        """One float32 array per model input (or output): x may be one array, a list, or a dict
        keyed by input (output) name."""
        if isinstance(x, dict):
            if names is None:
                raise ValueError(f"{where}: {what} given as a dict before the model is built")
            missing = [k for k in names if k not in x]
            if missing:
                raise ValueError(
                    f"{where}: {what} has no entry for {missing}; expected keys {names}"
                )
            x = [x[k] for k in names]
        elif (
            isinstance(x, (list, tuple))
            and x
            and all(_is_array_like(a) for a in x)
            and not (names is not None and len(names) == 1 and len(x) != 1)
        ):
            x = list(x)
        else:
            x = [x]
        arrays = [
            data.as_float_array(a, what if len(x) == 1 else f"{what}[{i}]", where)
            for i, a in enumerate(x)
        ]
        if names is not None and len(arrays) != len(names):
            raise ValueError(
                f"{where}: the model has {len(names)} {what.rstrip('s')}(s) {names}, "
                f"got {len(arrays)} array(s)"
            )
        return arrays

    def _input_names(self):
        """Names of the inputs (for x given as a dict); None while unknown (unbuilt)."""
        return [kt._node.layer.name for kt in self._graph.inputs] if self._graph else None

    def _inputs(self, x, where: str) -> list:
        return self._arrays(x, "x", self._input_names(), where)

    def _targets(self, y, where: str) -> list:
        ys = self._arrays(y, "y", self._output_names, where)
        return [
            data.prepare_targets(t, loss, shape, where)
            for t, loss, shape in zip(ys, self._losses, self._output_shapes)
        ]

    def _accepted_input_shapes(self) -> list:
        """Per-sample shapes the model runs on (None: any size there): its inputs' shapes; a
        subclassed model checks only the rank here (its layers check their inputs)."""
        if type(self)._is_subclassed():
            return [(None,) * len(s) for s in self._input_shapes]
        return [tuple(s) for s in self._input_shapes]

    def _check_input_shapes(self, shapes, where: str) -> None:
        want = self._accepted_input_shapes()
        if len(shapes) != len(want):
            raise ValueError(f"{where}: the model has {len(want)} input(s), got {len(shapes)}")
        for i, (got, w) in enumerate(zip(shapes, want)):
            if not fits(w, tuple(got[1:])):
                layer = self._first_layer_for_input(i)
                hint = ""
                if len(got) == len(w) + 1 and None not in w:
                    open_dims = tuple(None if g != d else d for g, d in zip(got[1:], w))
                    hint = (
                        f"; for inputs whose length varies, leave it open with None, e.g. "
                        f"nerve.Input(shape={open_dims})"
                    )
                raise ValueError(
                    f"{where}: {type(layer).__name__} '{layer.name}' expects input of "
                    f"shape {(None,) + w}, got x{'' if len(want) == 1 else f'[{i}]'} "
                    f"of shape {tuple(got)}{hint}"
                )

    def _first_layer_for_input(self, i: int):
        return self._graph.inputs[i]._node.layer

    def _ensure_ready(self, xs: list, where: str, need_compile: bool = True):
        if need_compile and self.loss is None:
            raise RuntimeError(f"You must call compile() before {where}()")
        if not self.built:
            shapes = [a.shape[1:] for a in xs]
            self._build_for(shapes if len(shapes) > 1 else shapes[0])
            # a subclassed call traced just now may force a layer call's mode
            self._check_forced_training(where, where in _TRAINING_RUNS)
        self._check_input_shapes([a.shape for a in xs], where)
        if need_compile and self._trainer is None:
            self._make_trainer()

    @staticmethod
    def _same_length(xs, ys, where: str) -> None:
        for a in xs[1:] + ys:
            data.check_same_length(xs[0], a, where)

    def _prepare(self, x, y, sample_weight, class_weight, where):
        """Validated float32 arrays for a compiled model: (inputs list, targets list, per-sample
        weights or None). One sample_weight array weighs every output's loss (Keras)."""
        xs = self._inputs(x, where)
        self._ensure_ready(xs, where)
        if y is None:
            raise ValueError(f"{where}: y is None; targets are required")
        ys = self._arrays(y, "y", self._output_names, where)
        self._same_length(xs, ys, where)
        if class_weight is not None and len(ys) > 1:
            raise ValueError(
                f"{where}: class_weight is only supported for models with a single "
                f"output; this one has {len(ys)} {self._output_names} (use "
                f"sample_weight)"
            )
        if isinstance(sample_weight, dict) or (
            isinstance(sample_weight, (list, tuple))
            and sample_weight
            and all(isinstance(a, np.ndarray) and a.ndim >= 1 for a in sample_weight)
        ):
            raise ValueError(
                f"{where}: sample_weight must be one array of per-sample weights "
                f"(it weighs every output's loss), not one per output"
            )
        w = data.sample_weights(sample_weight, class_weight, ys[0], where)
        ys = [
            data.prepare_targets(t, loss, shape, where)
            for t, loss, shape in zip(ys, self._losses, self._output_shapes)
        ]
        return xs, ys, w

    # ---- training -----------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train for `epochs` epochs; returns a History whose .history maps names to lists.
        x may be arrays (one, a list or a dict for several inputs; y likewise per output), or a
        generator / iterable of (x, y[, sample_weight]) batches."""
        where = "fit"
        self._check_run("fit")
        if self.built:
            if validation_data is not None or validation_split:
                self._check_forced_training("fit", False)
        if steps_per_epoch is not None and (
            not isinstance(steps_per_epoch, int)
            or isinstance(steps_per_epoch, bool)
            or steps_per_epoch <= 0
        ):
            raise ValueError(
                f"fit: steps_per_epoch must be a positive int or None, got {steps_per_epoch!r}"
            )
        if not isinstance(initial_epoch, int) or initial_epoch < 0:
            raise ValueError(
                f"fit: initial_epoch must be a non-negative int, got {initial_epoch!r}"
            )
        if not isinstance(validation_freq, int) or validation_freq < 1:
            raise ValueError(
                f"fit: validation_freq must be a positive int, got {validation_freq!r}"
            )
        verbose = 1 if verbose == "auto" else int(verbose)
        if self.loss is None:
            raise RuntimeError("You must call compile() before fit()")
        if data.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError(
                    "fit: when x is a generator or iterable of batches, y and "
                    "sample_weight come in the batches; pass y=None"
                )
            if validation_split:
                raise ValueError(
                    "fit: validation_split needs arrays; with a generator pass validation_data"
                )
            val = self._validation_source(validation_data, validation_steps, where)
            stream = data.BatchStream(x, steps_per_epoch)
            try:
                steps = len(stream)
            except TypeError:
                steps = None
            return self._fit_loop(
                stream,
                None,
                steps,
                epochs,
                verbose,
                callbacks,
                val,
                initial_epoch,
                class_weight,
                validation_batch_size,
                validation_freq,
            )

        xs, ys, w = self._prepare(x, y, sample_weight, class_weight, where)
        val = self._validation_source(validation_data, validation_steps, where)
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if val is None and validation_split > 0.0:
            n = len(xs[0])
            split = int(n * (1.0 - validation_split))  # Keras: the last samples, unshuffled
            if split == 0 or split == n:
                raise ValueError(
                    f"fit: validation_split={validation_split} leaves no samples "
                    f"on one side for {n} samples"
                )
            # Keras: class_weight weighs the training samples only, sample_weight both sides
            val = (
                "arrays",
                [a[split:] for a in xs],
                [a[split:] for a in ys],
                None if w is None or class_weight is not None else w[split:],
            )
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
            w = None if w is None else w[:split]
        batch_size = int(batch_size or 32)
        if batch_size <= 0:
            raise ValueError(f"fit: batch_size must be positive, got {batch_size}")
        arrays = data.ArrayEpochs(xs, ys, w, batch_size, shuffle, steps_per_epoch)
        return self._fit_loop(
            None,
            arrays,
            arrays.steps_per_epoch,
            epochs,
            verbose,
            callbacks,
            val,
            initial_epoch,
            None,
            validation_batch_size or batch_size,
            validation_freq,
        )

    def _validation_source(self, validation_data, validation_steps, where):
        """("arrays", xs, ys, w) or ("batches", BatchStream) or None."""
        if validation_data is None:
            return None
        if data.is_batch_source(validation_data):
            # Kept across epochs: with validation_steps, each evaluation continues the stream.
            return ("batches", data.BatchStream(validation_data, validation_steps))
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "fit: validation_data must be a tuple (x_val, y_val) or "
                "(x_val, y_val, val_sample_weight), or an iterable of batches"
            )
        vw = validation_data[2] if len(validation_data) == 3 else None
        vx, vy, vw = self._prepare(
            validation_data[0], validation_data[1], vw, None, where + " (validation_data)"
        )
        return ("arrays", vx, vy, vw)

    def _fit_loop(
        self,
        stream,
        arrays,
        steps,
        epochs,
        verbose,
        callbacks,
        val,
        initial_epoch,
        class_weight,
        val_batch_size,
        validation_freq,
    ):
        """The epoch loop shared by array input (C++ chunks of steps) and batch streams (one
        C++ step per batch)."""
        self.history = History()
        cbs = CallbackList(
            [*(callbacks or []), self.history],
            self,  # History last, as Keras
            {"epochs": epochs, "steps": steps, "verbose": verbose},
        )
        names = self.metrics_names
        self.stop_training = False
        cbs.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            cbs.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}", flush=True)
            bar = Progbar(steps, verbose=verbose, stateful_metrics=names)
            if arrays is not None:
                stats, step = self._train_array_epoch(arrays, cbs, bar, epoch)
            else:
                if stream.exhausted:
                    warnings.warn(
                        "fit: the input generator ran out of data; training stops "
                        "(use a re-iterable dataset or set steps_per_epoch)",
                        stacklevel=3,
                    )
                    break
                stats, step = self._train_stream_epoch(stream, cbs, bar, epoch, class_weight)
                if step == 0 and stream.exhausted:
                    warnings.warn(
                        "fit: the input generator ran out of data; training stops", stacklevel=3
                    )
                    break
            logs = self._logs(stats)
            if stats.non_finite:
                logs["loss"] = float("nan")
            if val is not None and (epoch + 1) % validation_freq == 0:
                cbs.on_test_begin()
                vlogs = self._evaluate_source(val, val_batch_size)
                cbs.on_test_end(vlogs)
                logs.update({f"val_{k}": v for k, v in vlogs.items()})
            bar.update(step, list(logs.items()), finalize=True)
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return self.history

    def _train_array_epoch(self, arrays, cbs, bar, epoch):
        """One epoch over arrays in C++ chunks of steps (one step per chunk when a callback or a
        Python learning-rate callable needs every step)."""
        per_batch = cbs.wants_batches or self.optimizer._steps_in_python
        first, todo_total, order = arrays.next_epoch()
        stats = _core.Stats()
        step, chunk = 0, 1
        while step < todo_total:
            todo = min(chunk, todo_total - step)
            cbs.on_train_batch_begin(step)
            self.optimizer._sync_python_schedule()
            t0 = time.perf_counter()
            chunk_stats = self._trainer.train(
                arrays.xt, arrays.yt, arrays.wt, order, arrays.batch_size, first + step, todo
            )
            elapsed = time.perf_counter() - t0
            stats.merge(chunk_stats)
            step += chunk_stats.steps
            if chunk_stats.non_finite:
                self._non_finite(
                    stats, cbs, epoch, first + chunk_stats.non_finite_step, arrays.steps_per_epoch
                )
                break
            logs = self._logs(stats)
            cbs.on_train_batch_end(step - 1, logs)
            if not per_batch:
                per_step = elapsed / max(chunk_stats.steps, 1)
                chunk = max(1, int(_CHUNK_SECONDS / max(per_step, 1e-9)))
            bar.update(step, list(logs.items()), finalize=False)
            if self.stop_training:
                break
        return stats, step

    def _train_stream_epoch(self, stream, cbs, bar, epoch, class_weight):
        """One epoch over a batch stream: each batch is validated, then one C++ step."""
        stats = _core.Stats()
        step = 0
        for batch in stream.epoch():
            xb, yb, wb = self._batch_tensors(batch, class_weight, "fit", step)
            cbs.on_train_batch_begin(step)
            self.optimizer._sync_python_schedule()
            s = self._trainer.train_batch(xb, yb, wb)
            stats.merge(s)
            if s.non_finite:
                self._non_finite(stats, cbs, epoch, step, None)
                break
            step += 1
            logs = self._logs(stats)
            cbs.on_train_batch_end(step - 1, logs)
            bar.update(step, list(logs.items()), finalize=False)
            if self.stop_training:
                break
        return stats, step

    def _batch_tensors(self, batch, class_weight, where, index, need_y=True):
        """(input tensors, target tensors, weight tensor or None) of one batch."""
        x, y, w = data.unpack_batch(batch, where, index)
        label = f"{where} (batch {index})"
        if not need_y:
            xs = self._inputs(x, label)
            self._ensure_ready(xs, where, need_compile=False)
            return [_core.Tensor(a) for a in xs], None, None
        if y is None:
            raise ValueError(
                f"{label}: the batch has no targets; yield (x, y) or (x, y, sample_weight)"
            )
        xs, ys, w = self._prepare(x, y, w, class_weight, label)
        return (
            [_core.Tensor(a) for a in xs],
            [_core.Tensor(a) for a in ys],
            None if w is None else _core.Tensor(w),
        )

    def _non_finite(self, stats, cbs, epoch, bad_step, steps):
        """A step gave a NaN/Inf loss (not applied). The batch hooks see loss=nan (so
        TerminateOnNaN can stop training cleanly); otherwise fit raises."""
        logs = self._logs(stats)
        logs["loss"] = float("nan")
        cbs.on_train_batch_end(bad_step, logs)
        if not self.stop_training:
            of = f" of {steps}" if steps else ""
            raise NonFiniteLossError(
                f"fit: the loss became NaN or Inf at epoch {epoch + 1}, step {bad_step + 1}{of}; "
                f"training stopped before applying that step. Lower the learning rate or check "
                f"the data."
            )

    def _logs(self, stats) -> dict:
        """loss, each output's loss (several outputs), then the metrics."""
        d = max(stats.samples, 1)
        logs = {"loss": stats.loss_sum / d}
        if len(self._output_names) > 1:
            sums = list(stats.output_loss_sums) or [0.0] * len(self._output_names)
            logs.update({f"{name}_loss": s / d for name, s in zip(self._output_names, sums)})
        logs.update(zip(self._metric_names, self._trainer.metric_results(stats)))
        return logs

    def _evaluate_source(self, source, batch_size, bar=None) -> dict:
        if source[0] == "arrays":
            _, xs, ys, w = source
            logs = self._evaluate_arrays(xs, ys, batch_size, w)
            if bar is not None:
                n_steps = math.ceil(len(xs[0]) / batch_size)
                bar.target = n_steps
                bar.update(n_steps, list(logs.items()), finalize=True)
            return logs
        stream = source[1]
        stats = _core.Stats()
        step = 0
        for i, batch in enumerate(stream.epoch()):
            xb, yb, wb = self._batch_tensors(batch, None, "evaluate", i)
            stats.merge(self._trainer.test_batch(xb, yb, wb))
            step = i + 1
            if bar is not None:
                bar.update(step, list(self._logs(stats).items()), finalize=False)
        if stats.samples == 0:
            raise ValueError(
                "evaluate: the batch iterable gave no batches (a one-shot generator that ran out?)"
            )
        logs = self._logs(stats)
        if bar is not None:
            bar.target = bar.target or step  # Keras: an unknown length is known at the end
            bar.update(step, list(logs.items()), finalize=True)
        return logs

    def _evaluate_arrays(self, xs, ys, batch_size, sample_weight=None) -> dict:
        w = None if sample_weight is None else _core.Tensor(sample_weight)
        stats = self._trainer.evaluate(
            [_core.Tensor(a) for a in xs], [_core.Tensor(a) for a in ys], w, int(batch_size or 32)
        )
        return self._logs(stats)

    @staticmethod
    def _verbosity(verbose) -> int:
        return 1 if verbose == "auto" else int(verbose)

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """Loss and metrics on (x, y) or an iterable of batches: a list [loss, *output losses,
        *metrics] (a float when that is all), or a dict with return_dict=True. verbose=1 (and
        "auto") draws Keras' progress bar, 2 one line, 0 nothing."""
        if kwargs:  # Keras's evaluate takes only a private keyword here
            raise ValueError(f"Model.evaluate: arguments not recognized: {kwargs}")
        where = "evaluate"
        self._check_run("evaluate")
        if self.loss is None:
            raise RuntimeError("You must call compile() before evaluate()")
        verbose = self._verbosity(verbose)
        cbs = CallbackList(callbacks or [], self, {"steps": steps, "verbose": verbose})
        cbs.on_test_begin()
        # Made before the work starts, so that its time per step is the real one.
        bar = (
            Progbar(steps, verbose=verbose, stateful_metrics=self.metrics_names)
            if verbose
            else None
        )
        if data.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError(
                    "evaluate: with an iterable of batches, y and sample_weight "
                    "come in the batches; pass y=None"
                )
            logs = self._evaluate_source(("batches", _batch_stream(x, steps, bar)), None, bar)
        else:
            xs, ys, w = self._prepare(x, y, sample_weight, None, where)
            if steps is not None:  # Keras: evaluate only the first `steps` batches
                n = min(len(xs[0]), int(steps) * int(batch_size or 32))
                xs, ys = [a[:n] for a in xs], [a[:n] for a in ys]
                w = None if w is None else w[:n]
            logs = self._evaluate_source(("arrays", xs, ys, w), int(batch_size or 32), bar)
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for x (arrays, or an iterable of batches), batch by batch, in inference
        mode (a list for several outputs). verbose=1 (and "auto", as in Keras) draws the
        progress bar, 2 one line, 0 nothing."""
        reject_unsupported("Model.predict", Model.predict, callbacks=callbacks)
        self._check_run("predict")
        verbose = self._verbosity(verbose)
        bar = Progbar(steps, verbose=verbose) if verbose else None
        if data.is_batch_source(x):
            stream = _batch_stream(x, steps, bar)
            outputs = []
            for i, batch in enumerate(stream.epoch()):
                xb, _, _ = self._batch_tensors(batch, None, "predict", i, need_y=False)
                outputs.append(self._predictor().predict(xb, max(len(xb[0]), 1)))
                if bar is not None:
                    bar.update(i + 1, finalize=False)
            if not outputs:
                raise ValueError("predict: the batch iterable gave no batches")
            if bar is not None:
                bar.target = bar.target or len(outputs)
                bar.update(len(outputs), finalize=True)
            outs = [
                np.concatenate([np.asarray(o[k]) for o in outputs]) for k in range(len(outputs[0]))
            ]
            return outs[0] if self._single_output else outs
        xs = self._inputs(x, "predict")
        self._ensure_ready(xs, "predict", need_compile=False)
        self._same_length(xs, [], "predict")
        batch_size = int(batch_size or 32)
        if steps is not None:  # Keras: predict only the first `steps` batches
            xs = [a[: int(steps) * batch_size] for a in xs]
        result = self._predict_arrays(xs, batch_size)
        if bar is not None:
            n_steps = math.ceil(len(xs[0]) / batch_size)
            bar.target = n_steps
            bar.update(n_steps, finalize=True)
        return result

    def _predict_arrays(self, xs, batch_size):
        outs = [
            np.asarray(o)
            for o in self._predictor().predict([_core.Tensor(a) for a in xs], batch_size)
        ]
        return outs[0] if self._single_output else outs

    def _predictor(self):
        """Inference needs only the C++ model: no loss, optimizer or metrics (an uncompiled
        model predicts too)."""
        return _core.Predictor(self._core_model)

    def _batch_result(self, stats, return_dict):
        logs = self._logs(stats)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns this batch's loss (and metrics: a list
        [loss, *output losses, *metrics], or a dict with return_dict=True)."""
        self._check_run("train_on_batch")
        xt, yt, wt = self._batch_tensors((x, y, sample_weight), class_weight, "train_on_batch", 0)
        self.optimizer._sync_python_schedule()
        stats = self._trainer.train_batch(xt, yt, wt)
        if stats.non_finite:
            raise NonFiniteLossError(
                "train_on_batch: the loss became NaN or Inf; the step was not applied"
            )
        return self._batch_result(stats, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode, without updating the weights."""
        self._check_run("test_on_batch")
        xt, yt, wt = self._batch_tensors((x, y, sample_weight), None, "test_on_batch", 0)
        return self._batch_result(self._trainer.test_batch(xt, yt, wt), return_dict)

    def predict_on_batch(self, x):
        """Model outputs for one batch, in inference mode."""
        self._check_run("predict_on_batch")
        xs = self._inputs(x, "predict_on_batch")
        self._ensure_ready(xs, "predict_on_batch", need_compile=False)
        self._same_length(xs, [], "predict_on_batch")
        return self._predict_arrays(xs, max(len(xs[0]), 1))

    # ---- weights and inspection ---------------------------------------------------------
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
        return list(self._core_model.trainable_weights()) if self.built else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ) -> None:
        """The layer table; print_fn (default print) receives it as one string."""
        reject_unsupported(
            f"{type(self).__name__}.summary",
            Model.summary,
            line_length=line_length,
            positions=positions,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )
        (print_fn or print)(format_summary(self))

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

    # ---- configuration and saving -------------------------------------------------------
    def get_config(self) -> dict:
        """Subclassed models: the constructor arguments, captured automatically when they are
        JSON values; override get_config (and from_config) otherwise."""
        if self._auto_config is None:
            raise NotImplementedError(
                f"{type(self).__name__}: its constructor arguments are not plain JSON values, so "
                f"it cannot be saved automatically; define get_config() returning them"
            )
        return dict(self._auto_config)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        if cls is Model and {"layers", "nodes", "input_layers"} <= set(config):
            # Keras: Model.from_config rebuilds a functional model from its config
            from .functional import Functional

            return Functional.from_config(config, custom_objects)
        config = dict(config)
        params = inspect.signature(cls.__init__).parameters
        takes_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
        name = config.pop("name", None) if "name" not in params and not takes_any else None
        model = cls(**config)
        if name is not None:
            model.name = name
        return model

    def save(self, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
        """One file with the architecture, the weights, and the optimizer state (written
        atomically); its name must end in .nerve (nerve's format: Keras' .keras / .h5 names are
        refused, nerve cannot write those). Load it with nerve.models.load_model."""
        if kwargs:
            raise ValueError(f"Model.save: arguments not recognized: {kwargs}")
        reject_unsupported("Model.save", Model.save, zipped=zipped)
        from ..saving import save_model

        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True, max_shard_size=None) -> None:
        """The weights only, in a file whose name ends in .weights.nerve (Keras: .weights.h5)."""
        reject_unsupported("Model.save_weights", Model.save_weights, max_shard_size=max_shard_size)
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs) -> None:
        if kwargs:
            raise ValueError(f"Model.load_weights: arguments not recognized: {kwargs}")
        reject_unsupported("Model.load_weights", Model.load_weights, skip_mismatch=skip_mismatch)
        from ..saving import load_weights

        load_weights(self, filepath)


def _training_dependence(layer) -> str:
    """Why `layer` computes something else in training than in inference ("" if it does not)."""
    from ..layers.normalization import BatchNormalization

    if isinstance(layer, BatchNormalization):
        return (
            "a trainable BatchNormalization normalises with the batch statistics in training"
            if layer.trainable
            else ""
        )
    for attr in ("rate", "dropout", "recurrent_dropout"):
        value = getattr(layer, attr, 0) or 0
        if isinstance(value, (int, float)) and value > 0:
            return f"its {attr}={value} is only applied in training"
    inner = getattr(layer, "layer", None)  # wrappers (TimeDistributed, Bidirectional)
    return _training_dependence(inner) if inner is not None and inner is not layer else ""


def _all_layers(model) -> list:
    """Every layer inside `model`, nested models opened."""
    out = []
    for layer in model.layers:
        out += _all_layers(layer) if isinstance(layer, Model) else [layer]
    return out


def _batch_stream(x, steps, bar):
    """The batches of an iterable for evaluate / predict; a progress bar without a step count
    takes the stream's length where it has one (a generator has none)."""
    stream = data.BatchStream(x, steps)
    if bar is not None and bar.target is None:
        try:
            bar.target = len(stream)
        except TypeError:
            pass
    return stream


def _capture_init_args(cls, args, kwargs):
    """The arguments of a subclassed model's constructor, when they are plain JSON values (what
    a default get_config returns); None otherwise."""
    if cls.__init__ is Model.__init__:
        return {k: v for k, v in kwargs.items()} if not args else None
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = inspect.signature(cls.__init__).parameters[name].kind
        if kind == inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif kind == inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        else:
            config[name] = value
    try:
        json.dumps(config)
    except (TypeError, ValueError):
        return None
    return config
