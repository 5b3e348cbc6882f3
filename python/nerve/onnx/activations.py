"""Keras activations (by name, at Keras's default parameters, as nerve's layers run them) as ONNX
subgraphs: one op where ONNX has it, a short formula otherwise."""

from __future__ import annotations

import math

# Keras 3's selu constants (ONNX's Selu defaults differ in the last float32 digits).
_SELU_ALPHA, _SELU_SCALE = 1.67326324, 1.05070098


def _gelu(b, x, base):
    # exact gelu (Keras's approximate=False default): x * (1 + erf(x / sqrt(2))) / 2
    erf = b.op("Erf", [b.scalar_op("Div", x, math.sqrt(2.0), base)], base)
    return b.op("Mul", [x, b.scalar_op("Mul", b.scalar_op("Add", erf, 1.0, base), 0.5, base)], base)


def _sparse_plus(b, x, base):
    # 0 below -1, (x + 1)^2 / 4 between, x above 1
    t = b.scalar_op("Add", b.clip(x, -1.0, 1.0, base), 1.0, base)
    quad = b.scalar_op("Mul", b.op("Mul", [t, t], base), 0.25, base)
    above = b.op("GreaterOrEqual", [x, b.const(1.0, f"{base}/one")], base)
    return b.op("Where", [above, x, quad], base)


def _squareplus(b, x, base):
    root = b.op("Sqrt", [b.scalar_op("Add", b.op("Mul", [x, x], base), 4.0, base)], base)
    return b.scalar_op("Mul", b.op("Add", [x, root], base), 0.5, base)


def _glu(b, x, base):
    a, gate = b.op(
        "Split", [x], base, outputs=2, axis=-1, **({"num_outputs": 2} if b.opset >= 18 else {})
    )
    return b.op("Mul", [a, b.op("Sigmoid", [gate], base)], base)


def _times(inner):
    """x * inner(x) (silu, mish)."""

    def build(b, x, base):
        return b.op("Mul", [x, inner(b, x, base)], base)

    return build


_ONE_OP = {
    "relu": ("Relu", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "softplus": ("Softplus", {}),
    "softsign": ("Softsign", {}),
    "exponential": ("Exp", {}),
    "elu": ("Elu", {"alpha": 1.0}),
    "celu": ("Celu", {"alpha": 1.0}),
    "selu": ("Selu", {"alpha": _SELU_ALPHA, "gamma": _SELU_SCALE}),
    "leaky_relu": ("LeakyRelu", {"alpha": 0.2}),
    "hard_sigmoid": ("HardSigmoid", {"alpha": 1.0 / 6.0, "beta": 0.5}),  # relu6(x + 3) / 6
    "hard_silu": ("HardSwish", {}),  # x * relu6(x + 3) / 6, Keras's hard_silu
    "softmax": ("Softmax", {"axis": -1}),
    "log_softmax": ("LogSoftmax", {"axis": -1}),
    "soft_shrink": ("Shrink", {"lambd": 0.5, "bias": 0.5}),
    "hard_shrink": ("Shrink", {"lambd": 0.5, "bias": 0.0}),
}

_FORMULA = {
    "relu6": lambda b, x, base: b.clip(x, 0.0, 6.0, base),
    "hard_tanh": lambda b, x, base: b.clip(x, -1.0, 1.0, base),
    "sparse_sigmoid": lambda b, x, base: b.clip(
        b.scalar_op("Mul", b.scalar_op("Add", x, 1.0, base), 0.5, base), 0.0, 1.0, base
    ),
    "tanh_shrink": lambda b, x, base: b.op("Sub", [x, b.op("Tanh", [x], base)], base),
    "log_sigmoid": lambda b, x, base: b.op(
        "Neg", [b.op("Softplus", [b.op("Neg", [x], base)], base)], base
    ),
    "silu": _times(lambda b, x, base: b.op("Sigmoid", [x], base)),
    "mish": _times(lambda b, x, base: b.op("Tanh", [b.op("Softplus", [x], base)], base)),
    "gelu": _gelu,
    "sparse_plus": _sparse_plus,
    "squareplus": _squareplus,
    "glu": _glu,
}

EXPORTABLE = frozenset({"linear", *_ONE_OP, *_FORMULA})


def apply_activation(b, name: str, x: str, base: str, who: str) -> str:
    """The ONNX tensor of activation `name` applied to x; `who` names the layer in errors."""
    name = str(name)
    if name == "linear":
        return x
    if name in _ONE_OP:
        op_type, attrs = _ONE_OP[name]
        return b.op(op_type, [x], f"{base}/{name}", **attrs)
    if name in _FORMULA:
        return _FORMULA[name](b, x, f"{base}/{name}")
    raise NotImplementedError(
        f"{who}: activation {name!r} cannot be exported to ONNX yet; exportable activations: "
        f"{', '.join(sorted(EXPORTABLE))}"
    )
