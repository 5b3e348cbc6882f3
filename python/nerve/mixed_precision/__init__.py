"""Mixed precision as Keras 3's `keras.mixed_precision`: `set_global_policy("mixed_bfloat16")`
makes layers compute their matrix products in bfloat16 with float32 weights and sums.
policy.py says exactly what runs in bfloat16 and where nerve differs from Keras."""

from .policy import (
    DTypePolicy,
    Policy,
    dtype_policy,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)

__all__ = [
    "DTypePolicy",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]


def __getattr__(name):
    if name == "LossScaleOptimizer":
        raise AttributeError(
            "nerve.mixed_precision.LossScaleOptimizer is not supported: loss scaling is for "
            "float16, which nerve does not compute in; 'mixed_bfloat16' needs none"
        )
    raise AttributeError(f"module 'nerve.mixed_precision' has no attribute {name!r}")
