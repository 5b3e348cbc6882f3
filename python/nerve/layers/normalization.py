"""Normalization layers: BatchNormalization over the last (channels) axis and
LayerNormalization over the last axis (arguments declared in C++: nerve/layers/normalization.h);
UnitNormalization, RMSNormalization and GroupNormalization, written in Python with nerve.ops and
traced into C++ like a custom layer (Keras's signatures, configs, weights and numerics)."""

from __future__ import annotations

import numbers

from .. import initializers, ops, regularizers
from ..utils.keras_args import reject_unsupported
from .base import Layer, _serialize
from .declared import DeclaredLayer


class BatchNormalization(DeclaredLayer):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta per channel.

    While training (fit), mean and var are the batch's (biased variance) and the moving statistics
    move towards them: moving = moving * momentum + batch * (1 - momentum). In evaluate/predict,
    and whenever the layer is frozen (trainable=False, as Keras 3), the moving statistics are used.
    Weights, in Keras order: gamma, beta, moving_mean, moving_variance (the last two non-trainable).

    synchronized=True: when fit trains data-parallel (nerve.distributed), the batch statistics,
    their gradients and the moving statistics are those of the global batch (every rank's part,
    summed by MPI allreduce inside the C++ step), so N ranks train as one process on the global
    batch. Without nerve.distributed, or outside fit's training step, it is plain
    BatchNormalization (as Keras on one replica). synchronized=False (the default, as Keras):
    under nerve.distributed each rank normalizes with its own part of the batch and keeps its
    own moving statistics.
    """

    _weight_attributes = (
        ("gamma", "scale"),
        ("beta", "center"),
        ("moving_mean", None),
        ("moving_variance", None),
    )  # Keras's layer.kernel, ...

    core_type = "BatchNormalization"
    keras_args = {
        "beta_regularizer": None,
        "gamma_regularizer": None,
        "beta_constraint": None,
        "gamma_constraint": None,
        "renorm": False,
        "renorm_clipping": None,
        "renorm_momentum": 0.99,
    }
    # synchronized is an engine argument, but last in Keras's positional order.
    keras_order = (
        "axis",
        "momentum",
        "epsilon",
        "center",
        "scale",
        "beta_initializer",
        "gamma_initializer",
        "moving_mean_initializer",
        "moving_variance_initializer",
        *keras_args,
        "synchronized",
    )


class LayerNormalization(DeclaredLayer):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, statistics over the last axis."""

    _weight_attributes = (("gamma", "scale"), ("beta", "center"))  # Keras's layer.kernel, ...

    core_type = "LayerNormalization"
    keras_args = dict.fromkeys(
        ("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
    )

    @classmethod
    def _translate(cls, kwargs: dict) -> dict:
        axis = kwargs.get("axis")
        if isinstance(axis, (list, tuple)) and len(axis) == 1:  # Keras also takes [-1]
            kwargs = {**kwargs, "axis": axis[0]}
        return kwargs


def _epsilon(who: str, epsilon) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or not epsilon >= 0:
        raise ValueError(f"{who}: `epsilon` must be a number >= 0. Received: epsilon={epsilon}")
    return epsilon


def _axes_in_range(layer, axes, input_shape) -> None:
    rank = len(input_shape)
    for axis in axes:
        if axis >= rank or axis < -rank:
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}': Axis {axis} is out of bounds for input "
                f"shape {tuple(input_shape)}. Received: axis={layer.axis}"
            )


class UnitNormalization(Layer):
    """Each sample scaled to unit L2 norm over `axis` (an int or a list of ints): x * min(1 /
    sqrt(sum(x ** 2)), 1e12), as Keras."""

    supports_masking = True  # as Keras's: a padding mask rides on

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise ValueError(
                    f"UnitNormalization: Invalid value for `axis` argument: a list/tuple must "
                    f"hold ints (at least one). Received: axis={axis}"
                )
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                "UnitNormalization: Invalid value for `axis` argument: expected an int or a "
                f"list/tuple of ints. Received: axis={axis}"
            )

    def build(self, input_shape):
        _axes_in_range(self, self.axis if isinstance(self.axis, list) else [self.axis], input_shape)

    def call(self, inputs):
        return ops.normalize(inputs, axis=self.axis, order=2, epsilon=1e-12)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """x * rsqrt(mean(x ** 2 over `axis`) + epsilon) * scale, scale a learned weight (ones at
    first) of the normalized axes' sizes, multiplied as Keras does (aligned to the last axes)."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        ok = lambda a: isinstance(a, int) and not isinstance(a, bool)  # noqa: E731
        if not (ok(axis) or (isinstance(axis, (list, tuple)) and axis and all(map(ok, axis)))):
            raise ValueError(
                f"RMSNormalization: `axis` must be an int or a list of ints. Received: axis={axis}"
            )
        self.axis = axis
        self.epsilon = _epsilon("RMSNormalization", epsilon)

    def build(self, input_shape):
        axes = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        _axes_in_range(self, axes, input_shape)
        shape = tuple(input_shape[a] for a in axes)
        self.axis = axes  # as Keras's build
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")

    def call(self, x):
        rrms = ops.rsqrt(ops.mean(ops.square(x), axis=self.axis, keepdims=True) + self.epsilon)
        return x * rrms * self.scale

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


class GroupNormalization(Layer):
    """The channels on `axis` split into `groups` groups (-1: one per channel, instance
    normalization); each sample's group is normalized by its mean and variance over its channels
    and the other non-batch axes, then scaled by gamma and shifted by beta per channel (Keras's
    formula: x * inv + (beta - mean * inv), inv = gamma / sqrt(var + epsilon))."""

    supports_masking = True  # as Keras's: a padding mask rides on

    def __init__(
        self,
        groups=32,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        if (
            isinstance(groups, bool)
            or not isinstance(groups, int)
            or (groups <= 0 and groups != -1)
        ):
            raise ValueError(
                "GroupNormalization: Received an invalid value for argument `groups`, expected "
                f"a positive integer (or `-1` for instance normalization). Received: groups={groups}"
            )
        super().__init__(**kwargs)
        who = f"GroupNormalization '{self.name}'"
        reject_unsupported(
            who,
            GroupNormalization.__init__,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
        )
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"{who}: `axis` must be an int. Received: axis={axis}")
        for flag, value in (("center", center), ("scale", scale)):
            if not isinstance(value, bool):
                raise ValueError(f"{who}: `{flag}` must be True or False. Received: {value!r}")
        self.groups = groups
        self.axis = axis
        self.epsilon = _epsilon(who, epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint

    def build(self, input_shape):
        who = f"GroupNormalization '{self.name}'"
        _axes_in_range(self, [self.axis], input_shape)
        if self.axis % len(input_shape) == 0:
            raise ValueError(f"{who}: axis={self.axis} is the batch axis")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"{who}: Axis {self.axis} of input tensor should have a defined dimension but "
                f"the layer received an input with shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(
                f"{who}: Number of groups ({self.groups}) cannot be more than the number of "
                f"channels ({dim})."
            )
        if dim % self.groups != 0:
            raise ValueError(
                f"{who}: Number of groups ({self.groups}) must be a multiple of the number of "
                f"channels ({dim})."
            )
        self.gamma = (
            self.add_weight(
                shape=(dim,),
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                shape=(dim,),
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
            )
            if self.center
            else None
        )

    def call(self, inputs):
        shape = ops.shape(inputs)
        group_shape = [-1, *shape[1:]]
        group_shape[self.axis] = inputs.shape[self.axis] // self.groups
        group_shape.insert(self.axis, self.groups)
        x = ops.reshape(inputs, group_shape)
        axes = list(range(1, len(group_shape)))
        axes.pop(-2 if self.axis == -1 else self.axis - 1)
        broadcast = [1] * len(inputs.shape)
        broadcast[self.axis] = inputs.shape[self.axis] // self.groups
        broadcast.insert(self.axis, self.groups)
        mean, variance = ops.moments(x, axes=axes, keepdims=True)
        inv = ops.rsqrt(variance + self.epsilon)
        if self.scale:
            inv = inv * ops.reshape(self.gamma, broadcast)
        res = -mean * inv
        if self.center:
            res = res + ops.reshape(self.beta, broadcast)
        return ops.reshape(x * inv + res, [-1, *shape[1:]])

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": _serialize(self.beta_initializer),
            "gamma_initializer": _serialize(self.gamma_initializer),
            "beta_regularizer": _serialize(self.beta_regularizer),
            "gamma_regularizer": _serialize(self.gamma_regularizer),
            "beta_constraint": None,
            "gamma_constraint": None,
        }
