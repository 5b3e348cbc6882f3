"""How every nerve.ops function runs: `apply(op, inputs, attrs)` calls the registered C++ op
(nerve/op_registry.h) by name.

- nerve.Tensor inputs run the op now, in C++, recording its backward step for GradientTape.
- numpy arrays and Python numbers become float32 constants (no gradient). A float32 array is
  read in place by C++ (_core.ops.call_reading_arrays), not copied, unless the result could keep
  it: the result never changes when the array is written to afterwards.
- Symbolic inputs (a KerasTensor of a functional model, or the traced tensors a Python layer's
  call() receives while nerve traces it) are not computed: their class's `_nerve_apply_op`
  records the op, which C++ then replays on every step. A symbolic class opts in by defining
  that classmethod; apply looks for it on each input's type, and on the type of each attribute
  value (or list item), so that `random.normal(shape=(batch, 4))` with a symbolic batch size is
  recorded too.
- While a Python layer is being traced, every op goes to the innermost active tracer
  (`active_tracers`), symbolic inputs or not: an op on constants alone (a random draw) must still
  run on every step, not once at trace time.
"""

from __future__ import annotations

import threading

import numpy as np

from .. import _core

_Tensor = _core.Tensor
_F32 = np.dtype(np.float32)  # numpy's float32 arrays share this dtype object; others are copied
_INT64_LIMIT = 2**63  # a Python int numpy makes an int64 array of

# Tracers of Python layers, innermost last; each has apply_op(op, inputs, attrs, single).
active_tracers: list = []


def _symbolic_handler(inputs, attrs):
    candidates = list(inputs)
    for v in attrs.values():
        candidates.extend(v if isinstance(v, (list, tuple)) else [v])
    for x in candidates:
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
    # np.array, not np.ascontiguousarray: that one turns a 0-d value (a Python number) into shape (1,)
    return _core.Tensor(np.array(a, dtype=np.float32, order="C"))


def apply(op: str, inputs, attrs: dict | None = None, single: bool = True):
    """Runs registered op `op` on `inputs` (a list) with `attrs` (None values mean defaults).
    Returns the one output tensor when `single`, else the list of outputs."""
    inputs = list(inputs)
    attrs = attrs or {}
    if active_tracers:
        return active_tracers[-1].apply_op(op, inputs, attrs, single)
    if not attrs and all(type(x) is _core.Tensor for x in inputs):
        # Eager tensors only (a matmul in a custom training loop): nothing symbolic to look for,
        # nothing to convert. Saves a microsecond, as much as a small product's GEMM.
        outs = _core.ops.call(op, inputs)
        return outs[0] if single else list(outs)
    # Tensors, float32 arrays and Python floats and ints go to C++ as they are (a float32 array is
    # read in place: call_reading_arrays copies it only where the result could keep it); the
    # others, once no symbolic input or attribute claims the op, become float32 constants here.
    to_convert = []
    for i, x in enumerate(inputs):
        t = type(x)
        if not (
            t is _Tensor
            or t is np.ndarray
            and x.dtype is _F32
            or t is float
            or t is int
            and -_INT64_LIMIT <= x < _INT64_LIMIT
        ):
            to_convert.append(i)
    if attrs or to_convert:
        handler = _symbolic_handler(inputs, attrs)
        if handler is not None:
            return handler(op, inputs, attrs, single)
    operands = list(inputs)
    for i in to_convert:
        operands[i] = as_tensor(operands[i], op, f"argument {i}")
    outs = _core.ops.call_reading_arrays(op, operands, attrs)
    return outs[0] if single else list(outs)


_tapes = threading.local()  # per thread, as tf.GradientTape: the GradientTape blocks now open


def enter_tape() -> None:
    _tapes.open = getattr(_tapes, "open", 0) + 1


def exit_tape() -> None:
    _tapes.open -= 1


def tape_recording() -> bool:
    """True inside a GradientTape block that records (not in its stop_recording()): a layer or
    model called there on numpy records its ops on the array as a constant, as a TensorFlow tape
    records a Keras model called on arrays, instead of returning numpy and losing the gradient."""
    return getattr(_tapes, "open", 0) > 0 and _core.grad_enabled()


def active_step_tracer():
    """The innermost tracer when it records a model's overridden train_step / test_step
    (nerve.models.step_tracing), not a layer's call(): GradientTape, optimizers, losses and
    metrics record their work into it instead of running it."""
    tracer = active_tracers[-1] if active_tracers else None
    return tracer if getattr(tracer, "traces_steps", False) else None
