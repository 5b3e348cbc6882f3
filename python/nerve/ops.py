"""Differentiable ops on nerve.Tensor, for custom layers and GradientTape loops (the C++ ops of
nerve._core.ops: dense, matmul, activation, softmax, add, sub, mul, scale, sum, mean, loss,
concat, add_n, ...)."""

from ._core import ops as _ops

# Re-export every C++ op under nerve.ops, so ops added in C++ appear here without a list to keep.
globals().update({name: getattr(_ops, name) for name in dir(_ops) if not name.startswith("_")})
__all__ = [name for name in dir(_ops) if not name.startswith("_")]


def convert_to_tensor(x, dtype=None):
    """Keras `ops.convert_to_tensor`: an array (or nerve.Tensor) as a float32 nerve.Tensor, e.g. a
    batch to feed a model inside a GradientTape (models give numpy for numpy inputs)."""
    import numpy as np

    from ._core import Tensor

    if dtype not in (None, "float32", np.float32):
        raise ValueError(f"convert_to_tensor: nerve tensors are float32, got dtype={dtype!r}")
    if isinstance(x, Tensor):
        return x
    return Tensor(np.ascontiguousarray(x, dtype=np.float32))


__all__.append("convert_to_tensor")
