"""OpLayer: a nerve.ops call on symbolic tensors of a functional model (`nerve.ops.exp(inp)`),
recorded as a one-op layer node, as Keras 3 records ops on KerasTensors. Traced like any Python
layer, so it runs in C++."""

from __future__ import annotations

import numpy as np

from .. import _core
from ..errors import ModelFileError
from ..ops import _dispatch, _tensor_methods
from . import call_effects
from .base import Layer
from .symbolic import KerasTensor


class OpLayer(Layer):
    """Runs registered op `op` with `attrs`; the symbolic inputs are this layer's inputs, the
    other arguments (numbers, arrays) are constants kept in the layer."""

    def __init__(self, op, num_inputs, symbolic, constants=None, attrs=None, **kwargs):
        super().__init__(**kwargs)
        if not _core.ops.has_op(str(op)):
            raise ValueError(
                f"OpLayer '{self.name}': op {op!r} is not a registered op (nerve._core.ops.op_names())"
            )
        self.op, self.num_inputs = str(op), int(num_inputs)
        self.symbolic = [int(i) for i in symbolic]
        self.constants = {int(k): np.asarray(v, np.float32) for k, v in (constants or {}).items()}
        self.attrs = dict(attrs or {})

    def call(self, inputs):
        xs = inputs if isinstance(inputs, list) else [inputs]
        args, it = [], iter(xs)
        for i in range(self.num_inputs):
            args.append(next(it) if i in self.symbolic else self.constants[i])
        return _dispatch.apply(self.op, args, self.attrs, single=False)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "op": self.op,
                "num_inputs": self.num_inputs,
                "symbolic": list(self.symbolic),
                "constants": {str(k): v.tolist() for k, v in self.constants.items()},
                "attrs": self.attrs,
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict):
        try:
            return cls(**config)
        except (TypeError, ValueError) as e:
            raise ModelFileError(f"could not rebuild OpLayer from {config!r}: {e}") from e


def apply_on_keras_tensors(op, inputs, attrs, single):
    """KerasTensor._nerve_apply_op: `op` as a one-op layer node of the functional model."""
    for v in attrs.values():
        for item in v if isinstance(v, (list, tuple)) else [v]:
            if isinstance(item, KerasTensor):
                raise TypeError(
                    f"{op}: a symbolic tensor as an attribute is not supported in a functional "
                    f"model; compute it inside a custom layer's call()"
                )
    # In a model's call(), an op that reduces over the batch (a loss term) is kept for add_loss.
    deferred = call_effects.defer_if_needed(op, inputs, attrs, single)
    if deferred is not None:
        return deferred
    if any(isinstance(x, call_effects.DeferredTerm) for x in inputs):
        raise TypeError(f"{op}: {inputs!r}: a term of add_loss used outside a model's call()")
    symbolic = [i for i, x in enumerate(inputs) if isinstance(x, KerasTensor)]
    constants = {i: x for i, x in enumerate(inputs) if not isinstance(x, KerasTensor)}
    layer = OpLayer(op, len(inputs), symbolic, constants, attrs, name=_op_layer_name(op))
    layer.__dict__["_called_with_list"] = True
    outs = layer([inputs[i] for i in symbolic])
    outs = outs if isinstance(outs, list) else [outs]
    return outs[0] if single else outs


_counts: dict = {}


def _op_layer_name(op: str) -> str:
    n = _counts.get(op, 0)
    _counts[op] = n + 1
    return op if n == 0 else f"{op}_{n}"


KerasTensor._nerve_apply_op = staticmethod(apply_on_keras_tensors)
call_effects.DeferredTerm._nerve_apply_op = staticmethod(apply_on_keras_tensors)


def _install_keras_tensor_operators() -> None:
    """`x * 2`, `x / y`, `-x`, `x @ w` on symbolic tensors of a functional model go through
    nerve.ops (one OpLayer node each), as in Keras 3. Between two KerasTensors of the same shape,
    + - * keep making the Add / Subtract / Multiply layers they made before (same values, nerve's
    own layers); shapes that broadcast go through the op, as Keras's ops do."""
    merge = {name: getattr(KerasTensor, f"__{name}__") for name in ("add", "sub", "mul")}
    _tensor_methods.install_operators(KerasTensor)
    for name, layer_method in merge.items():
        op_method = getattr(KerasTensor, f"__{name}__")

        def method(self, other, _layer=layer_method, _op=op_method):
            if isinstance(other, KerasTensor) and other.shape == self.shape:
                return _layer(self, other)
            return _op(self, other)

        method.__name__ = f"__{name}__"
        setattr(KerasTensor, f"__{name}__", method)
    # symbolic tensors stay unusable as arrays (install_operators gave them numpy's ufunc hook)
    KerasTensor.__array_ufunc__ = None

    def refuse_iteration(self):
        raise TypeError(f"{self!r} is symbolic: it cannot be iterated (its batch size is unknown)")

    KerasTensor.__iter__ = refuse_iteration


_install_keras_tensor_operators()
