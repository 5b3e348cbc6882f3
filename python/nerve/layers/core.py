"""Dense, Activation, Identity and Masking (arguments declared in C++: nerve/layers/core.h);
EinsumDense, written in Python with nerve.ops and traced into C++ like a custom layer (Keras's
signature, config, weights and numerics)."""

from __future__ import annotations

import math
import re

import numpy as np

from .. import activations, initializers, ops, regularizers
from ..utils.keras_args import UnsupportedArgumentError, reject_unsupported
from .base import Layer, _serialize
from .declared import DeclaredLayer


class Dense(DeclaredLayer):
    """Fully connected: activation(x @ kernel + bias) over the last axis."""

    _weight_attributes = (("kernel", None), ("bias", "use_bias"))  # Keras's layer.kernel, ...

    core_type = "Dense"
    keras_args = dict.fromkeys(
        (
            "kernel_regularizer",
            "bias_regularizer",
            "activity_regularizer",
            "kernel_constraint",
            "bias_constraint",
            "lora_rank",
            "lora_alpha",
            "quantization_config",
        )
    )


class Activation(DeclaredLayer):
    """Applies an activation function (by Keras name) to its input."""

    core_type = "Activation"


class Identity(DeclaredLayer):
    """Returns its input unchanged (a placeholder, as Keras's); a padding mask passes through.
    It takes one tensor: a list or dict of tensors, which Keras's passes through, raises a
    ValueError."""

    core_type = "Identity"


class Masking(DeclaredLayer):
    """Marks the time steps whose features all equal `mask_value` as padding, as Keras's Masking:
    they are zeroed, and the layers that skip padding (RNNs, attention, GlobalAveragePooling1D,
    the losses and mean metrics of a masked output) skip them."""

    core_type = "Masking"

    def compute_mask(self, inputs, mask=None):
        """The padding mask, as Keras's: True where any feature differs from mask_value."""
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1)


# ---- layers written in Python (traced into C++ like a custom layer) -----------------------
def _analyze_einsum_string(who: str, equation, bias_axes, input_shape, output_shape):
    """Keras's _analyze_einsum_string: (kernel_shape, bias_shape, full_output_shape,
    input_axes, output_axes) for an equation "ab,bc->ac", "...ab,bc->...ac" or
    "ab...,bc->ac..."."""
    dot_replaced = re.sub(r"\.\.\.", "0", equation)
    match = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", dot_replaced)
    left_elided = False
    if not match:
        match = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", dot_replaced)
        left_elided = bool(match)
    if not match:
        match = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", dot_replaced)
    if not match:
        raise ValueError(
            f"{who}: Invalid einsum equation '{equation}'. Equations must be in the form "
            "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
        )
    input_spec, weight_spec, output_spec = match.group(1), match.group(2), match.group(3)
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided > 0 and "0" not in dot_replaced):
        raise ValueError(
            f"{who}: the equation '{equation}' names {len(input_spec)} input axes, but the "
            f"input shape {tuple(input_shape)} has {len(input_shape)}"
        )
    output_shape = list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    if len(output_shape) != len(output_spec) + elided:
        raise ValueError(
            f"{who}: output_shape={output_shape[1:]} does not fit the equation '{equation}' for "
            f"input shape {tuple(input_shape)}: give one size (or None) per output axis after "
            f"the batch axis (and the axes the ellipsis stands for)"
        )
    for dim in input_spec:
        if dim in output_dim_map:
            at_output = output_shape[output_dim_map[dim]]
            at_input = input_shape[input_dim_map[dim]]
            if at_output is not None and at_output != at_input:
                raise ValueError(
                    f"{who}: Input shape and output shape do not match at shared dimension "
                    f"'{dim}'. Input shape is {at_input}, and output shape is {at_output}."
                )
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(
                f"{who}: Dimension '{dim}' was specified in the output '{output_spec}' but has "
                f"no corresponding dim in the input spec '{input_spec}' or weight spec "
                f"'{output_spec}'"
            )
    weight_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"{who}: Weight dimension '{dim}' did not have a match in either the input spec "
                f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight "
                "must be fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        num_left_elided = elided if left_elided else 0
        idx_map = {char: output_shape[i + num_left_elided] for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(
                    f"{who}: Bias dimension '{char}' was requested, but is not part of the "
                    f"output spec '{output_spec}'"
                )
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [idx_map[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * elided)
    return weight_shape, bias_shape, output_shape, input_axes, output_axes


# Keras's VarianceScaling subclasses: (scale, mode, distribution)
_FAN_SCALED = {
    "GlorotUniform": (1.0, "fan_avg", "uniform"),
    "GlorotNormal": (1.0, "fan_avg", "truncated_normal"),
    "HeUniform": (2.0, "fan_in", "uniform"),
    "HeNormal": (2.0, "fan_in", "truncated_normal"),
    "LecunUniform": (1.0, "fan_in", "uniform"),
    "LecunNormal": (1.0, "fan_in", "truncated_normal"),
}


def _einsum_kernel_initializer(init, shape, input_axes, output_axes):
    """Keras's EinsumDense gives a VarianceScaling initializer (glorot_uniform & co.) the
    kernel's input and output axes, so its fans are the products of those axes' sizes rather
    than compute_fans's convolution rule: the same distribution, as nerve's VarianceScaling with
    the scale adjusted to nerve's fans (equal for a 2-D kernel)."""
    name = type(init).__name__
    if name in _FAN_SCALED:
        scale, mode, distribution = _FAN_SCALED[name]
    elif isinstance(init, initializers.VarianceScaling):
        scale, mode, distribution = init.scale, init.mode, init.distribution
    else:
        return init
    fan_in = math.prod(shape[a] for a in input_axes)
    fan_out = math.prod(shape[a] for a in output_axes)
    nerve_in, nerve_out = initializers._fans(tuple(shape))
    pick = {
        "fan_in": lambda i, o: i,
        "fan_out": lambda i, o: o,
        "fan_avg": lambda i, o: (i + o) / 2.0,
    }[mode]
    keras_fan, nerve_fan = max(1.0, pick(fan_in, fan_out)), max(1.0, pick(nerve_in, nerve_out))
    if keras_fan == nerve_fan:
        return init
    return initializers.VarianceScaling(
        scale=scale * nerve_fan / keras_fan, mode=mode, distribution=distribution, seed=init.seed
    )


# Keras activations nerve.ops has no function of its own for, from the ops it has (Keras's
# formulas and default thresholds); _traced_activation finds them by name.
def _composed_mish(x):
    return x * ops.tanh(ops.softplus(x))


def _composed_tanh_shrink(x):
    return x - ops.tanh(x)


def _composed_hard_shrink(x):
    return ops.where(ops.abs(x) > 0.5, x, 0.0)


def _composed_soft_shrink(x):
    return ops.where(x > 0.5, x - 0.5, ops.where(x < -0.5, x + 0.5, 0.0))


def _composed_sparse_sigmoid(x):
    return ops.clip(0.5 * (x + 1.0), 0.0, 1.0)


def _traced_activation(who: str, activation):
    """The nerve.ops function computing Keras's activation `activation` on traced tensors
    (keras.activations.gelu is the exact erf form; ops.gelu's default is the tanh one)."""
    name = str(activation)
    if name == "linear":
        return lambda x: x
    if name == "exponential":
        return ops.exp
    if name == "gelu":
        return lambda x: ops.gelu(x, approximate=False)
    fn = globals().get(f"_composed_{name}") or getattr(ops, name, None)
    if fn is None:
        raise UnsupportedArgumentError(
            f"{who}: activation={name!r} is not supported in this layer yet (nerve.ops has no "
            f"{name}); apply it with an Activation layer after this one"
        )
    return fn


class EinsumDense(Layer):
    """A dense layer of any rank: activation(einsum(equation, inputs, kernel) + bias), as Keras's
    EinsumDense. `equation` is "ab,bc->ac"-like (an ellipsis on the left or right of the input
    and output stands for axes carried through); `output_shape` gives the output's sizes after the
    batch axis (and the elided axes), None where the input decides; `bias_axes` names the output
    letters the bias spans. Weights, as Keras: kernel, then bias (with bias_axes)."""

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        gptq_unpacked_column_size=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        who = f"EinsumDense '{self.name}'"
        reject_unsupported(
            who,
            EinsumDense.__init__,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            lora_rank=lora_rank,
            lora_alpha=lora_alpha,
            gptq_unpacked_column_size=gptq_unpacked_column_size,
            quantization_config=quantization_config,
        )
        if not isinstance(equation, str):
            raise ValueError(f"{who}: `equation` must be a string. Received: {equation!r}")
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            partial = (output_shape,)
        else:
            try:
                partial = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"{who}: `output_shape` must be an int or a tuple of ints (None for a size "
                    f"the input decides). Received: output_shape={output_shape!r}"
                ) from None
        if not all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in partial):
            raise ValueError(
                f"{who}: `output_shape` must be an int or a tuple of ints (None for a size the "
                f"input decides). Received: output_shape={output_shape!r}"
            )
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise ValueError(
                f"{who}: `bias_axes` must be a string of output letters or None. Received: "
                f"bias_axes={bias_axes!r}"
            )
        self.equation = equation
        self.partial_output_shape = partial
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self._activation_op = _traced_activation(who, self.activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = None
        self.bias_constraint = None
        self.lora_rank = None
        self.lora_alpha = None
        self.quantization_config = None

    def build(self, input_shape):
        who = f"EinsumDense '{self.name}'"
        kernel_shape, bias_shape, _, input_axes, output_axes = _analyze_einsum_string(
            who, self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=tuple(kernel_shape),
            initializer=_einsum_kernel_initializer(
                self.kernel_initializer, kernel_shape, input_axes, output_axes
            ),
            regularizer=self.kernel_regularizer,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )
            if bias_shape is not None
            else None
        )

    def compute_output_shape(self, input_shape):
        _, _, full, _, _ = _analyze_einsum_string(
            f"EinsumDense '{self.name}'",
            self.equation,
            self.bias_axes,
            tuple(input_shape),
            self.partial_output_shape,
        )
        return tuple(full)

    def call(self, inputs, training=None):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self._activation_op(x)

    def get_config(self):
        base = super().get_config()
        base.pop("activity_regularizer", None)
        return {
            **base,
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": _serialize(self.kernel_initializer),
            "bias_initializer": _serialize(self.bias_initializer),
            "kernel_regularizer": _serialize(self.kernel_regularizer),
            "bias_regularizer": _serialize(self.bias_regularizer),
            "activity_regularizer": _serialize(self.activity_regularizer),
            "kernel_constraint": None,
            "bias_constraint": None,
            "quantization_config": None,
        }
