"""LayerNormalization over the last axis."""

from __future__ import annotations

from .. import _core, initializers
from ..utils.keras_args import UnsupportedArgumentError, reject_unsupported
from .base import Layer


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
