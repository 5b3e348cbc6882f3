"""Normalization layers: BatchNormalization over the last (channels) axis and
LayerNormalization over the last axis."""

from __future__ import annotations

from .. import _core, initializers
from ..utils.keras_args import UnsupportedArgumentError, reject_unsupported
from .base import Layer, _serialize


class BatchNormalization(Layer):
    """gamma * (x - mean) / sqrt(var + epsilon) + beta per channel.

    While training (fit), mean and var are the batch's (biased variance) and the moving statistics
    move towards them: moving = moving * momentum + batch * (1 - momentum). In evaluate/predict,
    and whenever the layer is frozen (trainable=False, as Keras 3), the moving statistics are used.
    Weights, in Keras order: gamma, beta, moving_mean, moving_variance (the last two non-trainable).
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        who = f"BatchNormalization '{self.name}'"
        reject_unsupported(
            who,
            BatchNormalization.__init__,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
            renorm=renorm,
            renorm_clipping=renorm_clipping,
            renorm_momentum=renorm_momentum,
            synchronized=synchronized,
        )
        self._set_weight_regularizers(beta=beta_regularizer, gamma=gamma_regularizer)
        if axis != -1:
            raise UnsupportedArgumentError(
                f"{who}: only axis=-1 (channels_last) is supported, got axis={axis!r}"
            )
        self.axis = -1
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        inits = [
            initializers.get(i)
            for i in (
                beta_initializer,
                gamma_initializer,
                moving_mean_initializer,
                moving_variance_initializer,
            )
        ]
        (
            self.beta_initializer,
            self.gamma_initializer,
            self.moving_mean_initializer,
            self.moving_variance_initializer,
        ) = inits
        self._attach(
            _core.BatchNormalization(
                self.name,
                self.momentum,
                self.epsilon,
                self.center,
                self.scale,
                *[i._to_core() for i in inits],
            )
        )

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": _serialize(self.beta_regularizer),
            "gamma_regularizer": _serialize(self.gamma_regularizer),
        }


class LayerNormalization(Layer):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, statistics over the last axis."""

    def __init__(
        self,
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
        super().__init__(**kwargs)
        # (the C++ LayerNormalization gives gamma and beta no regularizer roles yet)
        reject_unsupported(
            f"LayerNormalization '{self.name}'",
            LayerNormalization.__init__,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
        )
        if axis not in (-1, [-1], (-1,)):
            raise UnsupportedArgumentError(
                f"LayerNormalization '{self.name}': only axis=-1 is supported, got axis={axis!r}"
            )
        self.axis = -1
        self.epsilon = float(epsilon)
        if not self.epsilon > 0:
            raise ValueError(
                f"LayerNormalization '{self.name}': epsilon must be positive, got {epsilon!r}"
            )
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self._attach(
            _core.LayerNormalization(
                self.name,
                self.epsilon,
                self.center,
                self.scale,
                self.gamma_initializer._to_core(),
                self.beta_initializer._to_core(),
            )
        )

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
        }
