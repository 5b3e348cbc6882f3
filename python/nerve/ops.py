"""Differentiable ops on nerve.Tensor, for custom layers and GradientTape loops (the C++ ops of
nerve._core.ops: dense, matmul, activation, softmax, add, sub, mul, scale, sum, mean, loss,
concat, add_n, ...)."""

from ._core import ops as _ops

# Re-export every C++ op under nerve.ops, so ops added in C++ appear here without a list to keep.
globals().update({name: getattr(_ops, name) for name in dir(_ops) if not name.startswith("_")})
__all__ = [name for name in dir(_ops) if not name.startswith("_")]
