"""How every nerve.ops function runs: `apply(op, inputs, attrs)` calls the registered C++ op
(nerve/op_registry.h) by name.

- nerve.Tensor inputs run the op now, in C++, recording its backward step for GradientTape.
- numpy arrays and Python numbers become float32 constants (no gradient).
- Symbolic inputs (a KerasTensor of a functional model, or the traced tensors a Python layer's
  call() receives while nerve traces it) are not computed: their class's `_nerve_apply_op`
  records the op, which C++ then replays on every step. A symbolic class opts in by defining
  that classmethod; apply looks for it on each input's type.
"""

from __future__ import annotations

import numpy as np

from .. import _core


def _symbolic_handler(inputs):
    for x in inputs:
        handler = getattr(type(x), "_nerve_apply_op", None)
        if handler is not None:
            return handler
    return None


def as_tensor(x, op: str, what: str = "argument") -> _core.Tensor:
    """x as a nerve.Tensor: itself, or a float32 constant from an array or a number."""
    if isinstance(x, _core.Tensor):
        return x
    try:
        a = np.asarray(x)
    except Exception as e:  # an object numpy cannot take
        raise TypeError(
            f"{op}: {what} must be a tensor, an array or a number, got {type(x).__name__}"
        ) from e
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"{op}: {what} must be numeric, got {type(x).__name__} of dtype {a.dtype}")
    return _core.Tensor(np.ascontiguousarray(a, dtype=np.float32))


def apply(op: str, inputs, attrs: dict | None = None, single: bool = True):
    """Runs registered op `op` on `inputs` (a list) with `attrs` (None values mean defaults).
    Returns the one output tensor when `single`, else the list of outputs."""
    inputs = list(inputs)
    attrs = attrs or {}
    handler = _symbolic_handler(inputs)
    if handler is not None:
        return handler(op, inputs, attrs, single)
    tensors = [as_tensor(x, op, f"argument {i}") for i, x in enumerate(inputs)]
    outs = _core.ops.call(op, tensors, attrs)
    return outs[0] if single else list(outs)
