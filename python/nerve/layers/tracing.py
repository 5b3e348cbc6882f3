"""Tracing a Python layer's call() into a C++ TracedLayer (nerve/layers/traced.h).

call() runs once per training mode, when the layer is first used on symbolic input or data, on
TracedTensors: every nerve.ops function (through ops._dispatch.apply), every sub-layer call,
add_loss and weight.assign* is recorded as a step of a C++ TraceProgram instead of computed. From
then on the C++ layer replays the program on every step, with no Python in between.

Shapes are found by running each step eagerly on example tensors (zeros), twice: once with every
open size (the batch, a length left None) set to 2 and once set to 3; an output size that differs
between the two runs is open (None).
"""

from __future__ import annotations

import inspect

import numpy as np

from .. import _core
from ..ops import _dispatch, _tensor_methods, creation, reductions
from ._shapes import to_core

_EXAMPLE_SIZES = (2, 3)


def _control_flow_error(who: str, what: str) -> TypeError:
    return TypeError(
        f"{who}: {what} on a traced tensor. nerve runs a layer's call() once, when the model is "
        f"built, and then runs its ops in C++ on every step, so Python control flow (if, while, "
        f"bool(), float(), indexing into Python numbers) on tensor values cannot be traced; use "
        f"nerve.ops.where (and friends) instead. Branching on `training` or on shapes is fine"
    )


class SymbolicDim:
    """A size known only when data arrives (`nerve.ops.shape(x)[0]`, the batch size). Ops take it
    in shape attributes (`ops.reshape(x, (batch, -1))`); C++ fills it in on every step."""

    _nerve_symbolic_dim = True  # what ops' shape arguments look for

    def __init__(self, tracer, value: int, axis: int, examples: tuple):
        self._tracer, self._value, self._axis, self._examples = tracer, value, axis, examples

    def __repr__(self) -> str:
        return f"<SymbolicDim axis {self._axis} of a traced tensor>"

    def _refuse(self, *args):
        raise TypeError(
            f"{self!r}: arithmetic on a size known only at run time is not supported; pass it "
            f"as it is in a shape (e.g. ops.reshape(x, (batch, -1)))"
        )

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __floordiv__ = __rfloordiv__ = __truediv__ = __rtruediv__ = __mod__ = _refuse

    def __index__(self):
        raise self._refuse()

    __int__ = __float__ = __bool__ = __index__


class TracedTensor:
    """A tensor inside a traced call(): a shape (None for the batch and other open sizes) and no
    values. nerve.ops functions, operators and layer calls on it are recorded."""

    dtype = "float32"

    def __init__(self, tracer, value: int, shape: tuple):
        self._tracer, self._value, self.shape = tracer, value, tuple(shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _symbolic_shape(self) -> tuple:
        """nerve.ops.shape: known sizes as ints, open ones as SymbolicDim."""
        examples = self._tracer.examples[self._value]
        return tuple(
            SymbolicDim(self._tracer, self._value, axis, tuple(e.shape[axis] for e in examples))
            if d is None
            else d
            for axis, d in enumerate(self.shape)
        )

    def __repr__(self) -> str:
        return f"<TracedTensor shape={self.shape} in {self._tracer.who}>"

    @classmethod
    def _nerve_apply_op(cls, op, inputs, attrs, single):
        raise RuntimeError(
            f"{op}: called on a traced tensor after its layer's trace ended (a traced tensor "
            f"kept outside call()?)"
        )

    @staticmethod
    def _nerve_record_metric(metric, values, sample_weight=None):
        """metric.update_state(values, sample_weight) inside call() (nerve.metrics.Mean / Sum)."""
        traced = values if isinstance(values, TracedTensor) else sample_weight
        traced._tracer.update_metric(metric, values, sample_weight)

    def _refuse(self, what):
        raise _control_flow_error(self._tracer.who, what)

    def __bool__(self):
        self._refuse("bool() (an `if` or `while` test, `and`/`or`)")

    def __float__(self):
        self._refuse("float()")

    def __int__(self):
        self._refuse("int()")

    def __index__(self):
        self._refuse("use as a Python integer")

    def __array__(self, *args, **kwargs):
        self._refuse("conversion to a numpy array")

    def __iter__(self):
        self._refuse("iteration")

    def __len__(self):
        self._refuse("len()")


# + - * / ** @, comparisons and indexing on traced tensors record the ops they stand for.
_tensor_methods.install_operators(TracedTensor)


def _data_ptr(t) -> int:
    return np.asarray(t).__array_interface__["data"][0]


class Tracer:
    """Records one traced call of `layer` (in one training mode) into a C++ TraceProgram."""

    def __init__(self, layer, num_inputs: int, training):
        self.layer = layer
        self.who = f"{type(layer).__name__} '{layer.name}'"
        self.training = training
        self.program = _core.TraceProgram(num_inputs)
        self.examples: dict[int, tuple] = {}
        self._captures: dict[int, int] = {}  # id(tensor) -> value
        self._kept: list = []  # captured objects, kept alive so their ids stay unique
        self.sublayers: list = []

    # -- values
    def input(self, index: int, sample_shape) -> TracedTensor:
        shape = (None,) + tuple(sample_shape)
        self.examples[index] = tuple(
            _core.Tensor(np.zeros([n if d is None else d for d in shape], np.float32))
            for n in _EXAMPLE_SIZES
        )
        return TracedTensor(self, index, shape)

    def value_of(self, x, op: str, what: str) -> int:
        if isinstance(x, TracedTensor):
            if x._tracer is not self:
                raise ValueError(
                    f"{self.who}: {op} got a traced tensor of {x._tracer.who}; a layer's call() "
                    f"may use only its inputs, its weights and constants"
                )
            return x._value
        if isinstance(x, SymbolicDim):
            raise TypeError(f"{self.who}: {op}: a size known only at run time used as a tensor")
        key = id(x)
        if key in self._captures:
            return self._captures[key]
        t = x if isinstance(x, _core.Tensor) else _dispatch.as_tensor(x, op, what)
        v = self.program.add_capture(t)
        self.examples[v] = (t, t)
        self._captures[key] = v
        self._kept.append(x)
        return v

    def _traced_outputs(self, first: int, outs2: list, outs3: list) -> list:
        result = []
        for k, (a, b) in enumerate(zip(outs2, outs3)):
            shape = tuple(
                da if da == db else None
                for da, db in zip(tuple(a.shape), tuple(b.shape), strict=True)
            )
            self.examples[first + k] = (a, b)
            result.append(TracedTensor(self, first + k, shape))
        return result

    # -- steps
    def apply_op(self, op: str, inputs: list, attrs: dict, single: bool):
        values = [self.value_of(x, op, f"argument {i}") for i, x in enumerate(inputs)]
        patches, per_example = [], ([{}, {}])
        for key, v in attrs.items():
            if v is None:
                continue
            if isinstance(v, SymbolicDim):
                patches.append((key, -1, *self._dim_source(v, op)))
                for k in range(2):
                    per_example[k][key] = v._examples[k]
            elif isinstance(v, (list, tuple)) and any(isinstance(d, SymbolicDim) for d in v):
                for i, d in enumerate(v):
                    if isinstance(d, SymbolicDim):
                        patches.append((key, i, *self._dim_source(d, op)))
                for k in range(2):
                    per_example[k][key] = [
                        d._examples[k] if isinstance(d, SymbolicDim) else d for d in v
                    ]
            else:
                per_example[0][key] = per_example[1][key] = v
        outs = self._run_examples(
            op, lambda k: _core.ops.call(op, [self.examples[i][k] for i in values], per_example[k])
        )
        first = self.program.add_op(op, per_example[0], values, len(outs[0]), patches)
        traced = self._traced_outputs(first, outs[0], outs[1])
        return traced[0] if single else traced

    def _dim_source(self, d: SymbolicDim, op: str) -> tuple:
        if d._tracer is not self:
            raise ValueError(f"{self.who}: {op} got a size from another layer's trace")
        return (d._value, d._axis)

    def _run_examples(self, what: str, run) -> list:
        previous = _core.set_grad_enabled(False)
        try:
            return [list(run(k)) for k in range(2)]
        except (ValueError, TypeError) as e:
            raise type(e)(f"{self.who}: {e}") from e
        finally:
            _core.set_grad_enabled(previous)

    def call_layer(self, sub, xs: list, training, core=None):
        """A call of sub-layer `sub` (already built for these inputs) on traced tensors; `core`:
        the C++ layer of this call (a Python sub-layer has one per input shape and call
        arguments), by default sub's own."""
        core = sub._core if core is None else core
        values = [self.value_of(x, sub.name, f"input {i}") for i, x in enumerate(xs)]
        mode = training if training is not None else self.training
        flag = -1 if mode is None else int(bool(mode))
        run_mode = bool(mode)
        outs = self._run_examples(
            sub.name,
            lambda k: core.call_many([self.examples[i][k] for i in values], run_mode),
        )
        first = self.program.add_layer_call(core, values, len(outs[0]), flag)
        if not any(s is sub for s in self.sublayers):
            self.sublayers.append(sub)
        traced = self._traced_outputs(first, outs[0], outs[1])
        return traced[0] if len(traced) == 1 else traced

    def add_loss(self, value) -> None:
        self.program.add_loss(self.value_of(value, "add_loss", "the loss"))

    def assign(self, kind: str, target, value) -> None:
        if not any(target is w for w in self.layer._own_weights()):
            raise ValueError(
                f"{self.who}: {kind} inside call() may update only this layer's own weights"
            )
        target_value = self.value_of(target, kind, "the weight")
        self.program.add_assign(kind, target_value, self.value_of(value, kind, "the value"))

    def update_metric(self, metric, values, sample_weight=None) -> None:
        """metric.update_state(values, sample_weight) inside call(): recorded as additions to
        the metric's running totals, which then run on every step. As Keras's
        reduce_to_samplewise_values: one value per sample (a sample's values folded by the
        metric's reduction; a scalar counts once), weighted by sample_weight (folded to the
        weights' rank first), the count growing by the number of samples or the weights' sum."""
        what = f"{type(metric).__name__} '{metric.name}'.update_state"
        fold = getattr(reductions, metric._within_sample_op)
        v = values if isinstance(values, TracedTensor) else np.asarray(values, np.float32)
        if sample_weight is None:
            count = creation.ones_like(fold(v, axis=tuple(range(1, v.ndim))) if v.ndim > 1 else v)
        else:
            w = (
                sample_weight
                if isinstance(sample_weight, TracedTensor)
                else np.asarray(sample_weight, np.float32)
            )
            v, w = _same_rank(v, w)
            if v.ndim > w.ndim:
                v = fold(v, axis=tuple(range(w.ndim, v.ndim)))
            try:  # w broadcast to the values' shape
                w = _dispatch.apply("multiply", [w, creation.ones_like(v)])
            except ValueError as e:
                raise ValueError(
                    f"{what}: sample_weight of shape {w.shape} does not broadcast to the values' "
                    f"shape {v.shape}"
                ) from e
            v = _dispatch.apply("multiply", [v, w])
            count = fold(w, axis=tuple(range(1, w.ndim))) if w.ndim > 1 else w
        if v.ndim > 1:
            v = fold(v, axis=tuple(range(1, v.ndim)))
        total_state, count_state = metric.traced_state()
        increments = ((total_state, reductions.sum(v)), (count_state, reductions.sum(count)))
        for target, value in increments:
            self.program.add_assign(
                "assign_add",
                self.value_of(target, what, "the metric"),
                self.value_of(value, what, "the value"),
            )
        updated = self.layer.__dict__.setdefault("_call_metrics", [])
        if not any(m is metric for m in updated):
            updated.append(metric)

    def finish(self, outputs) -> list:
        """Sets the program's outputs; returns their per-sample shapes."""
        many = isinstance(outputs, (list, tuple))
        outs = list(outputs) if many else [outputs]
        for o in outs:
            if not isinstance(o, TracedTensor):
                raise TypeError(
                    f"{self.who}: call() must return tensors computed with nerve.ops or layers "
                    f"from its inputs, got {type(o).__name__}"
                )
            if not o.shape or o.shape[0] is not None:
                raise ValueError(
                    f"{self.who}: call() returned a tensor of shape {o.shape} without the batch "
                    f"axis first; every output of a layer keeps the batch axis"
                )
        values = [self.value_of(o, "call", "an output") for o in outs]
        shapes = [o.shape[1:] for o in outs]
        self.program.set_outputs(values, [to_core(s) for s in shapes])
        return shapes


def _same_rank(v, w):
    """Keras's squeeze_or_expand_to_same_rank on traced tensors: ranks one apart are aligned
    through a trailing axis of size 1."""
    if v.ndim == w.ndim + 1 and v.shape[-1] == 1:
        return (v, _expand_last(w)) if w.ndim == 1 else (_squeeze_last(v), w)
    if w.ndim == v.ndim + 1 and w.shape[-1] == 1:
        return (_expand_last(v), w) if v.ndim == 1 else (v, _squeeze_last(w))
    return v, w


def _expand_last(x):
    return _dispatch.apply("expand_dims", [x], {"axis": [-1]})


def _squeeze_last(x):
    return _dispatch.apply("squeeze", [x], {"axis": [-1]})


def active_tracer():
    return _dispatch.active_tracers[-1] if _dispatch.active_tracers else None


def call_takes(fn, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def trace_call(layer, sample_shapes: list, spec=None):
    """Runs layer.call on TracedTensors of per-sample shapes `sample_shapes` (None: open), once per
    training mode; returns (C++ TracedLayer, output shapes, sub-layers). `spec` (a
    call_args.CallSpec) maps the inputs onto call()'s arguments when it takes more than inputs."""
    takes_training = call_takes(layer.call, "training")
    kwargs = {}
    if call_takes(layer.call, "mask") and "mask" not in kwargs:
        kwargs["mask"] = None
    programs, shapes, sublayers = {}, None, []
    for mode in (True, False) if takes_training else (None,):
        tracer = Tracer(layer, len(sample_shapes), mode)
        xs = [tracer.input(i, s) for i, s in enumerate(sample_shapes)]
        call_kw = dict(kwargs, training=mode) if takes_training else kwargs
        _dispatch.active_tracers.append(tracer)
        if spec is None:
            first, extra = (xs if layer._call_takes_list(len(xs)) else xs[0]), {}
        else:
            first, extra = spec.call_arguments(xs)
        try:
            outputs = layer.call(first, **extra, **call_kw)
        finally:
            _dispatch.active_tracers.pop()
        shapes = tracer.finish(outputs)
        programs[mode] = tracer.program
        for s in tracer.sublayers:
            if not any(s is k for k in sublayers):
                sublayers.append(s)
    train = programs.get(True, programs.get(None))
    infer = programs.get(False, train)
    core = _core.TracedLayer(
        layer.name, type(layer).__name__, train, infer, [to_core(s) for s in sample_shapes]
    )
    core.set_mask_rule(mask_rule(layer))
    return core, shapes, sublayers


def mask_rule(layer) -> str:
    """What a padding mask reaching the layer does, as Keras: 'refuse' when the layer would read
    it (its call takes `mask`, or it has its own compute_mask: a traced call does not receive
    masks), 'pass' with supports_masking (the mask rides on unchanged), else 'drop'. A class may
    decide itself with a `_mask_rule()` method (Lambda: by its function's signature)."""
    own = getattr(layer, "_mask_rule", None)
    if own is not None:
        return own()
    if "mask" in inspect.signature(layer.call).parameters or hasattr(layer, "compute_mask"):
        return "refuse"
    return "pass" if getattr(layer, "supports_masking", False) else "drop"


def _assigner(kind: str):
    def assign(self, value):
        tracer = active_tracer()
        if tracer is not None:
            tracer.assign(kind, self, value)
            return self
        if isinstance(value, (TracedTensor, SymbolicDim)):
            raise TypeError(f"{kind}: a traced value outside its layer's call()")
        target = np.asarray(self)
        new = np.asarray(value, dtype=np.float32)
        if kind == "assign":
            target[...] = new
        elif kind == "assign_add":
            target += new
        else:
            target -= new
        return self

    assign.__name__ = kind
    assign.__doc__ = (
        f"Keras Variable.{kind}: updates the weight in place. Inside a traced call() the update "
        f"is recorded and runs on every step (no gradient flows through it)."
    )
    return assign


def _install_variable_methods() -> None:
    """Keras Variable conveniences on nerve.Tensor, for weights made by add_weight."""
    for kind in ("assign", "assign_add", "assign_sub"):
        if not hasattr(_core.Tensor, kind):
            setattr(_core.Tensor, kind, _assigner(kind))
    if not hasattr(_core.Tensor, "value"):
        _core.Tensor.value = property(lambda self: self, doc="The tensor itself (Keras .value).")


_install_variable_methods()
