"""Keras 3's dtype policies, for the two nerve computes: "float32" and "mixed_bfloat16".

Under "mixed_bfloat16" a layer keeps its weights in float32 and its matrix products (Dense, Conv1D,
Conv2D, Conv2DTranspose, SimpleRNN, LSTM and GRU, forward and backward) round both operands to
bfloat16 and sum the products in float32 (nerve::sgemm_bf16), as
`torch.autocast("cpu", torch.bfloat16)` does; the loss, activations, normalization, pooling and
softmax compute in float32. The policy travels into the layer's C++ object, so `fit`, the traced
`train_step`, `predict` and saved files all honour it.

One difference from Keras: nerve keeps the tensors passed between layers in float32. Keras casts
each layer's inputs to its compute dtype and hands bfloat16 tensors on, so a layer's output
(`model(x).dtype`) is bfloat16 there and float32 here, and element-wise layers (activations,
Add, pooling) compute in float32 here. `layer.compute_dtype` still reports "bfloat16", the dtype
its matrix products use. Layers with matrix products that have no bfloat16 path yet
(MultiHeadAttention, TransformerEncoder) refuse the
policy with a ValueError naming the layer; layers written in Python (`call` from nerve.ops)
compute in float32.
"""

from __future__ import annotations

# What nerve computes, by Keras policy name: (compute dtype, variable dtype).
_SUPPORTED = {"float32": ("float32", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}
# Every name Keras 3 accepts besides those (nerve refuses them by name, not as unknown).
_KERAS_ONLY = (
    "mixed_float16",
    "float16",
    "bfloat16",
    "float64",
    "float8_e4m3fn",
    "float8_e5m2",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
)


def _unsupported(name: str) -> ValueError:
    return ValueError(
        f"dtype policy {name!r} is not supported by nerve; the supported policies are "
        f"'float32' and 'mixed_bfloat16' (bfloat16 matrix products, float32 weights)"
    )


class DTypePolicy:
    """A layer's dtype policy, as Keras 3's `keras.DTypePolicy` / `keras.mixed_precision.Policy`:
    `name`, `compute_dtype` (what the layer's matrix products compute in) and `variable_dtype`
    (what its weights are stored in). nerve supports "float32" and "mixed_bfloat16"; any other
    name raises ValueError. `DTypePolicy()` is "float32" (Keras: the backend's floatx)."""

    def __init__(self, name: str | None = None):
        if name is None:
            name = "float32"
        if not isinstance(name, str):
            raise TypeError(
                f"'name' must be a string, such as 'mixed_bfloat16'. Received: name={name!r} "
                f"(of type {type(name)})"
            )
        if name not in _SUPPORTED:
            if name in _KERAS_ONLY:
                raise _unsupported(name)
            raise ValueError(
                f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies in "
                f"nerve are 'float32' and 'mixed_bfloat16'."
            )
        self._name = name
        self._compute_dtype, self._variable_dtype = _SUPPORTED[name]

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None: nerve has no quantized policies (Keras's int8 / float8 ones)."""
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other) -> bool:
        if not isinstance(other, DTypePolicy):
            return NotImplemented
        return self._name == other._name

    def __hash__(self) -> int:
        return hash(("DTypePolicy", self._name))


Policy = DTypePolicy

_global = DTypePolicy("float32")


def set_global_policy(policy) -> None:
    """The policy of every layer created from now on without a `dtype=` argument: a name
    ("float32" or "mixed_bfloat16") or a DTypePolicy (Keras's own objects are read by name)."""
    global _global
    _global = as_policy(policy, "set_global_policy")


def global_policy() -> DTypePolicy:
    """The policy layers created without `dtype=` get ("float32" unless set_global_policy)."""
    return _global


# Keras 3's other names for the same two functions
set_dtype_policy = set_global_policy
dtype_policy = global_policy


def as_policy(value, who: str) -> DTypePolicy:
    """A DTypePolicy from what Keras accepts as a policy: a name, a DTypePolicy (nerve's or
    Keras's, by name), or Keras's serialised form {"class_name": "DTypePolicy", "config":
    {"name": ...}}. ValueError naming `who` for anything else."""
    if isinstance(value, DTypePolicy):
        return value
    name = value
    if isinstance(value, dict) and value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy"):
        name = (value.get("config") or {}).get("name")
    elif not isinstance(value, str) and type(value).__name__ in ("DTypePolicy", "FloatDTypePolicy"):
        name = getattr(value, "name", None)  # a Keras DTypePolicy object
    if not isinstance(name, str):
        raise ValueError(
            f"{who}: invalid policy {value!r}; expected the name of a policy ('float32' or "
            f"'mixed_bfloat16') or a DTypePolicy"
        )
    try:
        return DTypePolicy(name)
    except ValueError as e:
        raise ValueError(f"{who}: {e}") from None


def serialize(policy: DTypePolicy) -> dict:
    """Keras 3's config form of a policy (what `keras.dtype_policies.serialize` writes)."""
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": policy.get_config(),
        "registered_name": None,
    }
