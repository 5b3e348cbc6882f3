"""Call arguments of a layer written in Python beyond inputs, training and mask, as Keras allows:
`call(self, x, context)` (a second tensor, positional or keyword) and `call(self, x, scale=2.0)`
(a Python value).

Tensor arguments become extra inputs of the layer's C++ layer (after the inputs). Python values
are fixed when call() is traced: each distinct set of values is traced on its own (a CallSpec is
part of the key of the layer's traces).
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np

from .. import _core
from . import tracing
from .symbolic import KerasTensor

_TENSOR_TYPES = (KerasTensor, tracing.TracedTensor, _core.Tensor, np.ndarray)

# Private keywords with which a model's replay (or a saved model) repeats such a call: the
# inputs list then ends with the tensor arguments named in _tensor_args.
TENSOR_ARGS_KEY, LIST_INPUT_KEY = "_tensor_args", "_list_input"


@dataclasses.dataclass(frozen=True)
class CallSpec:
    """How a call's flat input list maps back onto call(): the first `num_inputs` are `inputs`
    (a list when `list_input`), then one tensor per name in `tensor_args`; `static` holds the
    Python values of the other arguments, as sorted (name, value) pairs."""

    list_input: bool
    num_inputs: int
    tensor_args: tuple = ()
    static: tuple = ()

    def call_arguments(self, xs: list) -> tuple:
        """(inputs, keyword arguments) for call() from the flat list `xs`."""
        primary = xs[: self.num_inputs]
        kwargs = dict(zip(self.tensor_args, xs[self.num_inputs :]))
        kwargs.update(self.static)
        return (primary if self.list_input else primary[0]), kwargs

    def replay_kwargs(self) -> dict:
        """The keywords that make Layer.__call__ repeat this call on a flat input list."""
        out = dict(self.static)
        if self.tensor_args:
            out[TENSOR_ARGS_KEY] = list(self.tensor_args)
            out[LIST_INPUT_KEY] = self.list_input
        return out


def _hashable(value, who: str, name: str):
    if isinstance(value, list):
        value = tuple(value)
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"{who}: call argument {name}={value!r} is neither a tensor nor a fixed Python value "
            f"(number, string, bool, None, tuple): nerve traces call() once per distinct value"
        ) from None
    return value


def bind(layer, inputs, args: tuple, kwargs: dict):
    """(flat inputs, CallSpec or None, training) of `layer(inputs, *args, **kwargs)`; the spec
    is None when the call has only inputs (the layer's usual single trace); training is the
    value given positionally to call()'s `training` parameter, if any (else None)."""
    who = f"{type(layer).__name__} '{layer.name}'"
    tensor_names = kwargs.pop(TENSOR_ARGS_KEY, None)
    if tensor_names is not None:  # a replay: the inputs list ends with the tensor arguments
        list_input = bool(kwargs.pop(LIST_INPUT_KEY, True))
        xs = list(inputs)
        n = len(xs) - len(tensor_names)
        primary = xs[:n] if list_input else xs[0]
        kwargs.update(zip(tensor_names, xs[n:]))
        inputs = primary
    many = isinstance(inputs, (list, tuple))
    primary = list(inputs) if many else [inputs]
    if not args and not kwargs:
        return primary, None, None
    signature = inspect.signature(layer.call)
    try:
        bound = signature.bind(inputs, *args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{who}: call{signature} cannot take these arguments: {e}") from None
    tensors, static, training = [], {}, None
    for i, (name, value) in enumerate(bound.arguments.items()):
        kind = signature.parameters[name].kind
        if i == 0:
            continue  # the inputs
        if name in ("training", "mask"):  # given positionally: not call arguments of a trace
            training = value if name == "training" else training
            continue
        if kind == inspect.Parameter.VAR_POSITIONAL:
            if value:
                raise TypeError(f"{who}: call(*{name}) arguments are not supported; name them")
            continue
        items = value.items() if kind == inspect.Parameter.VAR_KEYWORD else [(name, value)]
        for key, v in items:
            if isinstance(v, _TENSOR_TYPES):
                tensors.append((key, v))
            else:
                static[key] = _hashable(v, who, key)
    if not tensors and not static:
        return primary, None, training
    spec = CallSpec(many, len(primary), tuple(n for n, _ in tensors), tuple(sorted(static.items())))
    return primary + [v for _, v in tensors], spec, training
