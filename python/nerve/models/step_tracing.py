"""Tracing a model's overridden train_step / test_step into a C++ StepProgram
(nerve/step_program.h), so that fit and evaluate run chunks of steps in C++ as the built-in step
does.

The step runs once, on TracedTensors standing for the batch (x, y[, sample_weight]), with a
StepTracer active: nerve.ops record ops, `self(x, training=...)` (and any model or layer called)
records a call, the compiled loss and the regularization penalty record their steps,
`tape.gradient(loss, weights)` records a gradient step, `optimizer.apply_gradients` the
optimizer's update, and a Mean / Sum tracker's update_state records assignments to its running
totals (held in tensors while the program runs; synced with the tracker's Python floats around
each chunk). The returned dict's tensors become the program's outputs.

Whatever the trace cannot record (Python control flow on values, numpy conversion of a traced
value, a compiled metric, a Python learning-rate callable, an error of the step itself) raises
StepNotTraceable with the reason: fit then runs the step from Python, once per batch, and says so.
"""

from __future__ import annotations

import numpy as np

from .. import _core, ops
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..layers.tracing import SymbolicDim, TracedTensor, Tracer
from ..ops import _dispatch
from ..optimizers import Optimizer


class StepNotTraceable(Exception):
    """The step cannot be traced; str() is the reason fit's warning gives."""


def _flatten(structure, leaves: list):
    """Appends the tensors / arrays of a batch structure (tuples, lists, dicts) to `leaves`; returns
    a function rebuilding the structure from a list of replacements."""
    if isinstance(structure, dict):
        builders = {k: _flatten(v, leaves) for k, v in structure.items()}
        return lambda vals: {k: b(vals) for k, b in builders.items()}
    if isinstance(structure, (list, tuple)):
        builders = [_flatten(v, leaves) for v in structure]
        kind = type(structure)
        return lambda vals: kind(b(vals) for b in builders)
    if structure is None:
        return lambda vals: None
    index = len(leaves)
    leaves.append(structure)
    return lambda vals: vals[index]


def flatten_batch(batch):
    """(leaves, rebuild) of a batch structure."""
    leaves: list = []
    rebuild = _flatten(batch, leaves)
    return leaves, rebuild


class StepTracer(Tracer):
    """Records one overridden step of `model` into a C++ StepProgram (see the module docstring)."""

    traces_steps = True  # what ops._dispatch.active_step_tracer looks for

    def __init__(self, model, step: str, num_inputs: int):  # noqa: D107 (Tracer's fields, no layer)
        self.layer = model
        self.who = f"{type(model).__name__} '{model.name}'.{step}"
        self.program = _core.StepProgram(num_inputs)
        self.examples: dict[int, tuple] = {}
        self._captures: dict[int, int] = {}
        self._kept: list = []
        self.sublayers: list = []
        self.metrics: list = []  # Mean / Sum trackers whose totals the program updates
        self.results: dict = {}  # value -> the metric whose result() it is
        self.result_sizes: dict = {}  # id(metric) -> length of its vector result (traced shape)

    def owns(self, x) -> bool:
        return isinstance(x, TracedTensor) and x._tracer is self

    def _fixed(self, tensors: list) -> list:
        return [TracedTensor(self, self.program.add_capture(t), tuple(t.shape)) for t in tensors]

    # -- calls
    def call_layer(self, sub, xs: list, training):
        """A layer called in the step. Its examples run in inference mode, so that tracing does
        not move a BatchNormalization's statistics; the program runs it in the asked mode."""
        values = [self.value_of(x, sub.name, f"input {i}") for i, x in enumerate(xs)]
        mode = bool(training)  # Keras: a call without training= runs in inference mode
        outs = self._run_examples(
            sub.name, lambda k: sub._core.call_many([self.examples[i][k] for i in values], False)
        )
        first = self.program.add_layer_call(sub._core, values, len(outs[0]), int(mode))
        traced = self._traced_outputs(first, outs[0], outs[1])
        return traced[0] if len(traced) == 1 else traced

    def call_model(self, model, inputs, training):
        """`model(inputs, training=...)` inside the step: one C++ forward pass of the model."""
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for x in xs:
            if not self.owns(x):
                raise StepNotTraceable(
                    f"{self.who}: {type(model).__name__} '{model.name}' was called on a "
                    f"{type(x).__name__} mixed with traced tensors"
                )
        if not model.built:
            shapes = [tuple(x.shape[1:]) for x in xs]
            model._build_for(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
        model._check_forced_training("call", bool(training))
        core = model._core_model
        values = [x._value for x in xs]
        outs = self._run_examples(
            model.name,
            lambda k: core.forward_many([self.examples[i][k] for i in values], False),
        )
        # Keras: `self(x)` without training= runs in inference mode, in a train_step too (its
        # steps pass training=True), as the step nerve runs from Python does
        mode = bool(training)
        first = self.program.add_model_call(core, values, len(outs[0]), mode)
        traced = self._traced_outputs(first, outs[0], outs[1])
        if not hasattr(self, "_called_models"):
            self._called_models = []
        self._called_models.append(model)
        return model._pack_outputs(traced, call=True)

    # -- loss
    def loss(self, loss, y_true, y_pred, sample_weight):
        """A nerve.losses object called on traced values: the C++ compiled loss, one scalar."""
        values = [
            self.value_of(v, loss.name, what)
            for v, what in ((y_pred, "y_pred"), (y_true, "y_true"))
        ]
        if sample_weight is not None:
            if not isinstance(sample_weight, TracedTensor):
                sample_weight = _core.Tensor(
                    np.ascontiguousarray(sample_weight, dtype=np.float32).reshape(-1)
                )
            values.append(self.value_of(sample_weight, loss.name, "sample_weight"))
        settings = (
            loss.name,
            bool(loss.from_logits),
            float(loss.label_smoothing),
            float(loss.delta),
        )

        def run(k):
            ex = [self.examples[v][k] for v in values]
            return [
                _core.ops.loss(
                    settings[0], ex[0], ex[1], *settings[1:], ex[2] if len(ex) > 2 else None
                )
            ]

        outs = self._run_examples(loss.name, run)
        first = self.program.add_loss(*settings, values)
        return self._traced_outputs(first, outs[0], outs[1])[0]

    def penalty(self, model):
        """The model's regularization penalty of this step's forward pass (0 when none)."""
        zero = _core.Tensor(np.zeros((), np.float32))
        first = self.program.add_penalty(model._core_model)
        return self._traced_outputs(first, [zero], [zero])[0]

    # -- gradients and updates
    def gradient(self, target, sources: list, inside_another_tape: bool = False) -> list:
        if not self.owns(target):
            raise StepNotTraceable(f"{self.who}: tape.gradient of a value not computed in the step")
        if inside_another_tape:  # GradientTape checks what a second-order gradient needs eagerly
            raise StepNotTraceable(
                f"{self.who}: tape.gradient inside another tape's recording block"
            )
        if target.shape and int(np.prod([d or 2 for d in target.shape])) != 1:
            raise StepNotTraceable(
                f"{self.who}: tape.gradient of a non-scalar target (shape {target.shape})"
            )
        for s in sources:
            if not isinstance(s, _core.Tensor):
                raise StepNotTraceable(
                    f"{self.who}: tape.gradient with respect to a {type(s).__name__} (only "
                    f"weights, nerve.Tensor, are traced)"
                )
        values = [self.value_of(s, "gradient", "a source") for s in sources]
        first = self.program.add_gradient(target._value, values)
        examples = [_core.Tensor(np.zeros(tuple(s.shape), np.float32)) for s in sources]
        return self._traced_outputs(first, examples, examples)

    def apply_gradients(self, optimizer, grads: list, variables: list) -> None:
        if optimizer._steps_in_python:
            raise StepNotTraceable(
                f"{self.who}: optimizer '{optimizer.name}' takes its learning rate from a Python "
                f"callable, which runs between steps"
            )
        if any(g is None for g in grads):
            raise StepNotTraceable(f"{self.who}: apply_gradients was given a None gradient")
        for g, v in zip(grads, variables):
            if tuple(g.shape) != tuple(v.shape):
                raise ValueError(
                    f"apply_gradients: gradient of shape {tuple(g.shape)} for variable of shape "
                    f"{tuple(v.shape)}"
                )
        gs = [self.value_of(g, "apply_gradients", "a gradient") for g in grads]
        vs = [self.value_of(v, "apply_gradients", "a variable") for v in variables]
        self.program.add_apply_gradients(optimizer._core, gs, vs)

    def assign(self, kind: str, target, value) -> None:
        if not isinstance(target, _core.Tensor):
            raise StepNotTraceable(f"{self.who}: {kind} of a {type(target).__name__}")
        self.program.add_assign(
            kind, self.value_of(target, kind, "the target"), self.value_of(value, kind, "the value")
        )

    def add_loss(self, value) -> None:
        raise StepNotTraceable(f"{self.who}: add_loss called from the step")

    # -- metric trackers
    def metric_totals(self, metric):
        """(total, count) of a Mean / Sum tracker as traced values of its state tensors."""
        if not any(m is metric for m in self.metrics):
            self.metrics.append(metric)
        total, count = metric._state_tensors()
        return (
            TracedTensor(self, self.value_of(total, metric.name, "total"), ()),
            TracedTensor(self, self.value_of(count, metric.name, "count"), ()),
        )

    def update_metric(self, metric, y_true, y_pred, sample_weight) -> None:
        """A compiled-style metric's update_state (its C++ MetricState, updated in place)."""
        values = [
            self.value_of(v, metric.name, what)
            for v, what in ((y_pred, "y_pred"), (y_true, "y_true"))
        ]
        if sample_weight is not None:
            if not isinstance(sample_weight, TracedTensor):
                sample_weight = _core.Tensor(
                    np.ascontiguousarray(sample_weight, dtype=np.float32).reshape(-1)
                )
            values.append(self.value_of(sample_weight, metric.name, "sample_weight"))
        spec = metric._spec(weighted=True)

        def check(k):  # on the examples, with a scratch state: bad shapes fail at trace time
            ex = [self.examples[v][k] for v in values]
            scratch = _core.MetricState()
            _core.update_metric(spec, scratch, ex[0], ex[1], ex[2] if len(ex) > 2 else None)
            # the length of a vector result (F1Score per class), for result()'s traced shape
            self.result_sizes[id(metric)] = len(_core.metric_values(spec, scratch))
            return []

        self._run_examples(metric.name, check)
        self.program.add_metric_update(spec, metric._state, values)

    def metric_result(self, metric):
        spec = metric._spec()
        shape = ()
        if spec.vector_result:
            if id(metric) not in self.result_sizes:
                raise TypeError(
                    f"{type(metric).__name__} '{metric.name}'.result() (a vector) before its "
                    f"update_state inside a traced step is not traced into C++"
                )
            shape = (self.result_sizes[id(metric)],)
        zero = _core.Tensor(np.zeros(shape, np.float32))
        first = self.program.add_metric_result(spec, metric._state)
        return self.result_of(metric, self._traced_outputs(first, [zero], [zero])[0])

    def result_of(self, metric, value: TracedTensor) -> TracedTensor:
        """Notes that `value` is metric.result(): logs holding it as they are show the metric's
        own result() after each chunk (in float64, as the Python path does)."""
        self.results[value._value] = metric
        return value

    def reduce_metric_update(self, metric, values, sample_weight, within: str) -> None:
        reduce_metric_update(self, metric, values, sample_weight, getattr(ops, within))


def reduce_metric_update(tracer: StepTracer, metric, values, sample_weight, within) -> None:
    """Mean / Sum update_state inside a traced step (the cases a loss tracker meets): a scalar or a
    per-sample value, weighted by nothing, a number, the batch size, or one weight per sample.
    `within` (ops.mean or ops.sum) folds a sample's values."""
    if not isinstance(values, TracedTensor):
        values = _core.Tensor(np.asarray(values, dtype=np.float32))
        values = TracedTensor(
            tracer, tracer.value_of(values, metric.name, "values"), tuple(values.shape)
        )
    if (
        isinstance(sample_weight, TracedTensor)
        and len(values.shape) > 1
        and tuple(sample_weight.shape) == tuple(values.shape)
    ):
        # weights per value (a padding mask's, losses.padding_mask_weights): each sample's
        # weighted values and weights folded as Mean.update_state folds them eagerly
        axes = tuple(range(1, len(values.shape)))
        total = ops.sum(within(ops.multiply(values, sample_weight), axis=axes))
        count = ops.sum(within(sample_weight, axis=axes))
    else:
        total, count = _folded_totals(tracer, metric, values, sample_weight, within)
    tracer.metric_totals(metric)
    total_t, count_t = metric._state_tensors()
    tracer.assign("assign_add", total_t, total)
    tracer.assign("assign_add", count_t, count)


def _folded_totals(tracer, metric, values, sample_weight, within):
    """(total, count) of per-sample values (a sample's values folded by `within` first)."""
    if len(values.shape) > 1:
        values = within(values, axis=tuple(range(1, len(values.shape))))
    scalar = len(values.shape) == 0
    if sample_weight is None:
        total = values if scalar else ops.sum(values)
        count = 1.0 if scalar else ops.sum(ops.ones_like(values))
    elif isinstance(sample_weight, (int, float, np.number)):
        w = float(sample_weight)
        total = ops.multiply(values if scalar else ops.sum(values), w)
        count = w if scalar else ops.multiply(ops.sum(ops.ones_like(values)), w)
    elif isinstance(sample_weight, SymbolicDim) and scalar:
        count = ops.sum(ops.full((sample_weight,), 1.0))
        total = ops.multiply(values, count)
    elif isinstance(sample_weight, TracedTensor) and sample_weight.shape == values.shape[:1]:
        total = ops.sum(ops.multiply(values, sample_weight))
        count = ops.sum(sample_weight)
    else:
        raise StepNotTraceable(
            f"{tracer.who}: {type(metric).__name__} '{metric.name}'.update_state with a sample "
            f"weight of type {type(sample_weight).__name__} for values of shape {values.shape}"
        )
    return total, count


class _PythonState:
    """What a step may change in Python that a C++ replay would not repeat: the model's public
    attributes (a step counter, a list it appends to; names starting with "_" are nerve's own
    caches, which a first step may fill) and its layers' `trainable` flags. Taken before the
    trace; changes() names what the trace changed, restore() undoes it."""

    def __init__(self, model):
        self.model = model
        self.attrs = {k: self._snapshot(v) for k, v in _public(model.__dict__).items()}
        self.layers = [(layer, layer.trainable) for layer in _all_layers(model)]
        # numpy draws in the step would be traced as constants: the same numbers every step
        self.generators = {
            k: v.bit_generator.state
            for k, v in model.__dict__.items()
            if isinstance(v, np.random.Generator)
        }
        self.numpy_global = np.random.get_state(legacy=False)
        # class attributes of the user's classes (a call counter kept on the class)
        self.classes = {
            (cls, k): self._snapshot(v)
            for cls in _user_classes(model)
            for k, v in _public(vars(cls)).items()
            if not callable(v) and not isinstance(v, (property, staticmethod, classmethod))
        }

    @staticmethod
    def _snapshot(v):
        if isinstance(v, list):
            return (v, list(v))
        if isinstance(v, dict):
            return (v, dict(v))
        return (v, None)

    def changes(self) -> str:
        now = _public(self.model.__dict__)
        names = [
            k
            for k in set(now) | set(self.attrs)
            if (
                k not in now
                or k not in self.attrs
                or now[k] is not self.attrs[k][0]
                and not (isinstance(now[k], (int, float, str)) and now[k] == self.attrs[k][0])
                or self.attrs[k][1] is not None
                and _differs(self.attrs[k][1], now[k])
            )
        ]
        what = [f"attribute '{k}'" for k in sorted(names)]
        what += [
            f"class attribute '{cls.__name__}.{k}'"
            for (cls, k), (v, contents) in self.classes.items()
            if vars(cls).get(k, _MISSING) is not v
            and not (isinstance(v, (int, float, str)) and vars(cls).get(k, _MISSING) == v)
            or contents is not None
            and _differs(contents, v)
        ]
        what += [
            f"the state of numpy random generator '{k}' (a draw would be traced as a constant)"
            for k, state in self.generators.items()
            if not _same_state(self.model.__dict__[k].bit_generator.state, state)
        ]
        if not _same_state(np.random.get_state(legacy=False), self.numpy_global):
            what.append("numpy's global random state (a draw would be traced as a constant)")
        what += [
            f"the trainable flag of layer '{layer.name}'"
            for layer, flag in self.layers
            if layer.trainable != flag
        ]
        return ", ".join(what)

    def restore(self) -> None:
        now = self.model.__dict__
        for k in [k for k in _public(now) if k not in self.attrs]:
            del now[k]
        for k, (v, contents) in self.attrs.items():
            now[k] = v
            if isinstance(contents, list):
                v[:] = contents
            elif isinstance(contents, dict):
                v.clear()
                v.update(contents)
        for layer, flag in self.layers:
            if layer.trainable != flag:
                layer.trainable = flag
        for (cls, k), (v, contents) in self.classes.items():
            setattr(cls, k, v)
            if isinstance(contents, list):
                v[:] = contents
            elif isinstance(contents, dict):
                v.clear()
                v.update(contents)
        for k, state in self.generators.items():
            self.model.__dict__[k].bit_generator.state = state
        np.random.set_state(self.numpy_global)


def _same_state(a, b) -> bool:
    """Equal random states (nested dicts, tuples and arrays)."""
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(_same_state(a[k], b[k]) for k in a)
        )
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_state(p, q) for p, q in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


_MISSING = object()


def _user_classes(model) -> list:
    """The model's class and its bases written outside nerve."""
    return [
        cls
        for cls in type(model).__mro__
        if cls is not object and not cls.__module__.startswith("nerve")
    ]


def _public(attrs) -> dict:
    return {k: v for k, v in attrs.items() if not k.startswith("_")}


def _differs(saved, current) -> bool:
    if isinstance(saved, list):
        return len(saved) != len(current) or any(a is not b for a, b in zip(saved, current))
    return saved.keys() != current.keys() or any(saved[k] is not current[k] for k in saved)


def _all_layers(model) -> list:
    """The layers of the model and of the models / layers it holds as attributes."""
    found, seen = [], set()
    pending = list(getattr(model, "layers", []) or [])
    pending += [
        v for v in model.__dict__.values() if hasattr(v, "trainable") and hasattr(v, "name")
    ]
    while pending:
        layer = pending.pop()
        if id(layer) in seen or layer is model:
            continue
        seen.add(id(layer))
        found.append(layer)
        pending += list(getattr(layer, "layers", []) or [])
    return found


class TracedStep:
    """A traced step ready to run: the program, the names of the logs it returns (each a program
    output, or a constant the step returned as a Python number) and the trackers it updates."""

    def __init__(self, program, logs: dict, tracer: StepTracer):
        self.program = program
        self.metrics = list(tracer.metrics)
        self.names, self.sources = [], []
        outputs = []
        for name, value in logs.items():
            self.names.append(name)
            if isinstance(value, TracedTensor) and value._value in tracer.results:
                self.sources.append(("metric", tracer.results[value._value]))
            elif isinstance(value, TracedTensor):
                self.sources.append(("out", len(outputs)))
                outputs.append(value._value)
            else:
                self.sources.append(("const", float(value)))
        program.set_outputs(outputs)

    def _logs(self, outs) -> dict:
        logs = {}
        for name, (kind, v) in zip(self.names, self.sources):
            if kind == "out":
                logs[name] = float(np.asarray(outs[v]).reshape(-1)[0])
            elif kind == "metric":
                value = v.result()  # a float, or a vector (F1Score per class)
                logs[name] = value if isinstance(value, np.ndarray) else float(value)
            else:
                logs[name] = v
        return logs

    def run_batch(self, batch) -> dict:
        """One step on one batch (a structure of nerve.Tensor, as the trace's)."""
        leaves, _ = flatten_batch(batch)
        for m in self.metrics:
            m._push_state()
        try:
            outs = self.program.run(leaves)
        finally:
            for m in self.metrics:
                m._pull_state()
        return self._logs(outs)

    def run_chunk(self, arrays, order, batch_size, first_batch, num_batches) -> dict:
        for m in self.metrics:
            m._push_state()
        try:
            outs = self.program.run_chunk(arrays, order, batch_size, first_batch, num_batches)
        finally:
            for m in self.metrics:
                m._pull_state()
        return self._logs(outs)


def trace_step(model, step: str, batch) -> TracedStep:
    """Traces model.<step> (train_step or test_step) for batches shaped as `batch` (a packed batch
    of arrays or tensors). Raises StepNotTraceable with the reason when it cannot."""
    leaves, rebuild = flatten_batch(batch)
    tracer = StepTracer(model, step, len(leaves))
    traced = rebuild([tracer.input(i, tuple(t.shape[1:])) for i, t in enumerate(leaves)])
    before = _PythonState(model)
    _dispatch.active_tracers.append(tracer)
    try:
        logs = getattr(model, step)(traced)
    except StepNotTraceable:
        before.restore()
        raise
    except Exception as e:  # noqa: BLE001 (the Python path runs the step again and shows any error)
        before.restore()
        raise StepNotTraceable(f"{type(e).__name__}: {e}") from e
    finally:
        _dispatch.active_tracers.pop()
    changed = before.changes()
    if changed:
        before.restore()
        raise StepNotTraceable(
            f"{tracer.who} changes {changed} in Python, which a step run in C++ would do only "
            f"once, when it is traced"
        )
    if not isinstance(logs, dict):
        raise StepNotTraceable(f"{tracer.who} returned a {type(logs).__name__}, not a dict")
    for name, value in logs.items():
        if isinstance(value, TracedTensor):
            is_metric_result = value._value in tracer.results  # may be a vector (F1Score)
            if value._tracer is not tracer or (
                not is_metric_result and any(d != 1 for d in value.shape)
            ):
                raise StepNotTraceable(
                    f"{tracer.who}: logs[{name!r}] is a tensor of shape {value.shape}, not a scalar"
                )
        elif not isinstance(value, (int, float, np.number)):
            raise StepNotTraceable(
                f"{tracer.who}: logs[{name!r}] is a {type(value).__name__} (a nested dict or a "
                f"value computed in Python)"
            )
    return TracedStep(tracer.program, logs, tracer)


def step_key(model, step: str, batch) -> tuple:
    """What a traced step depends on besides its code: the batch's structure and per-sample
    shapes, which weights are trainable, and the optimizers, losses and metrics the model holds
    (a new compile() or a frozen layer gives a new trace)."""
    leaves, _ = flatten_batch(batch)
    held = tuple(
        id(v)
        for v in model.__dict__.values()
        if isinstance(v, (Optimizer, losses_mod.Loss, metrics_mod.Metric))
    )
    structure = repr(_flatten_repr(batch))
    return (
        step,
        structure,
        tuple(tuple(t.shape[1:]) for t in leaves),
        tuple(np.asarray(w).__array_interface__["data"][0] for w in model.trainable_weights),
        id(getattr(model, "optimizer", None)),
        held,
    )


def _flatten_repr(batch):
    if isinstance(batch, dict):
        return {k: _flatten_repr(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [_flatten_repr(v) for v in batch])
    return None if batch is None else "leaf"
