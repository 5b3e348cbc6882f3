"""add_loss and metric updates from a subclassed Model's call().

A subclassed model's call() runs once, on symbolic tensors, to wire its C++ graph. Its add_loss
terms and the update_state calls of its metrics (Keras 3: a nerve.metrics.Mean assigned as an
attribute, updated in call()) are side effects with no place on the path from inputs to outputs,
so they are recorded while call() runs (`recording`) and then attached to the graph as one hidden
Python layer, _CallEffects, which takes the first output and the symbolic tensors the terms read,
returns the output unchanged, and in its traced call() runs the terms with add_loss and
update_state. Like every Python layer it is traced into C++, so the terms run on every step.

A term usually reduces over the batch (`ops.mean(kl)`), which no tensor of the graph may do; inside
a model's call() such an op gives a DeferredTerm, whose ops are replayed in _CallEffects' trace.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .. import _core
from ..ops import _dispatch, _tensor_methods
from .base import Layer
from .symbolic import KerasTensor

_EXAMPLE_BATCHES = (2, 3)

# One list of (kind, metric, value) per model call() being recorded, innermost last.
_recorders: list = []


@contextlib.contextmanager
def recording():
    """Collects the add_loss terms and metric updates of the model call() run inside."""
    effects: list = []
    _recorders.append(effects)
    try:
        yield effects
    finally:
        _recorders.pop()


def is_recording() -> bool:
    return bool(_recorders)


def is_term(x) -> bool:
    """A value add_loss or update_state may take inside a model's call()."""
    return isinstance(x, (KerasTensor, DeferredTerm))


def record(kind: str, metric, value, who: str, sample_weight=None) -> None:
    """Records `add_loss(value)` (kind "loss") or `metric.update_state(value, sample_weight)`
    ("metric")."""
    if not _recorders:
        raise ValueError(
            f"{who}: called on a symbolic tensor outside a model's call(); add_loss() and a "
            f"metric's update_state() take the tensors call() computes"
        )
    _recorders[-1].append((kind, metric, value, sample_weight))


class DeferredTerm:
    """A value computed in a model's call() that no longer has the batch axis first (a mean
    over the batch): it may only be a term of add_loss or of a metric's update_state, where it
    is computed again, in C++, on every step. Operators and nerve.ops on it give more terms."""

    def __init__(self, op: str, inputs: list, attrs: dict, index: int, examples: tuple):
        self._op, self._inputs, self._attrs, self._index = op, inputs, attrs, index
        self._examples = examples  # its value for example batches of 2 and 3 samples
        self.shape = tuple(examples[0].shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<DeferredTerm {self._op} shape={self.shape}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r}: a value of a model's call() that reduces over the batch can only be "
            f"given to add_loss() or to a metric's update_state(); to use it in the model's "
            f"outputs, compute it inside a custom layer's call()"
        )

    def _nerve_replay(self, values: dict, cache: dict):
        key = id(self._inputs), self._op
        if key not in cache:
            args = [replay(x, values, cache) for x in self._inputs]
            cache[key] = _dispatch.apply(self._op, args, self._attrs, single=False)
        return cache[key][self._index]


_tensor_methods.install_operators(DeferredTerm)
DeferredTerm.__array_ufunc__ = None  # numpy must not turn it into an object array


def replay(x, values: dict, cache: dict):
    """x inside _CallEffects' trace: a KerasTensor becomes its traced input, a DeferredTerm its
    ops again, anything else (a constant) itself."""
    if isinstance(x, KerasTensor):
        return values[id(x)]
    if isinstance(x, DeferredTerm):
        return x._nerve_replay(values, cache)
    return x


def _example(x, k: int):
    if isinstance(x, KerasTensor):
        n = _EXAMPLE_BATCHES[k]
        return _core.Tensor(
            np.zeros([n] + [2 if d is None else d for d in x.shape[1:]], np.float32)
        )
    if isinstance(x, DeferredTerm):
        return x._examples[k]
    return _dispatch.as_tensor(x, "call")


def _run_examples(op: str, inputs: list, attrs: dict) -> list:
    previous = _core.set_grad_enabled(False)
    try:
        return [list(_core.ops.call(op, [_example(x, k) for x in inputs], attrs)) for k in range(2)]
    finally:
        _core.set_grad_enabled(previous)


def defer_if_needed(op: str, inputs: list, attrs: dict, single: bool):
    """Inside a model's call(): the op as DeferredTerm(s) when it reads one or its outputs lose
    the batch axis; None otherwise (the op becomes a node of the graph)."""
    if not _recorders:
        return None
    deferred = any(isinstance(x, DeferredTerm) for x in inputs)
    runs = _run_examples(op, inputs, attrs)
    keeps_batch = all(
        len(o.shape) >= 1 and o.shape[0] == n
        for outs, n in zip(runs, _EXAMPLE_BATCHES)
        for o in outs
    )
    if not deferred and keeps_batch:
        return None
    terms = [
        DeferredTerm(op, list(inputs), dict(attrs), i, (a, b))
        for i, (a, b) in enumerate(zip(runs[0], runs[1]))
    ]
    return terms[0] if single else terms


def _leaves(x, found: list) -> None:
    if isinstance(x, KerasTensor):
        if not any(x is f for f in found):
            found.append(x)
    elif isinstance(x, DeferredTerm):
        for i in x._inputs:
            _leaves(i, found)


class _CallEffects(Layer):
    """The add_loss terms and metric updates of a subclassed model's call(), as one hidden layer
    on the model's first output (which it returns unchanged); see the module docstring."""

    _nerve_hidden = True  # not listed in model.layers nor in summary(): Keras has no such layer

    def __init__(self, effects: list, leaves: list, **kwargs):
        super().__init__(**kwargs)
        self._effects, self._leaves = effects, leaves

    def call(self, inputs):
        output, *traced = inputs
        values = {id(kt): t for kt, t in zip(self._leaves, traced)}
        cache: dict = {}
        for kind, metric, value, sample_weight in self._effects:
            term = replay(value, values, cache)
            if kind == "loss":
                self.add_loss(term)
            else:
                weight = None if sample_weight is None else replay(sample_weight, values, cache)
                metric.update_state(term, sample_weight=weight)
        return output

    def get_config(self) -> dict:
        raise NotImplementedError(
            "_CallEffects is made again by the model's call(); it is not saved on its own"
        )


def attach(effects: list, outputs: list, name: str) -> list:
    """`outputs` with the first one passed through a _CallEffects layer running `effects`."""
    leaves: list = []
    for _, _, value, sample_weight in effects:
        _leaves(value, leaves)
        _leaves(sample_weight, leaves)
    layer = _CallEffects(effects, leaves, name=name)
    layer.__dict__["_called_with_list"] = True
    return [layer([outputs[0], *leaves]), *outputs[1:]]


def _record_metric_on_symbolic(metric, values, sample_weight=None) -> None:
    who = f"{type(metric).__name__} '{metric.name}'.update_state"
    record("metric", metric, values, who, sample_weight)


# metric.update_state(x) on a symbolic tensor of a model's call() records the update.
KerasTensor._nerve_record_metric = staticmethod(_record_metric_on_symbolic)
DeferredTerm._nerve_record_metric = staticmethod(_record_metric_on_symbolic)
