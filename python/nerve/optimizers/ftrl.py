from __future__ import annotations

from .. import _core
from .base import Optimizer

_ARGS = (
    "learning_rate_power",
    "initial_accumulator_value",
    "l1_regularization_strength",
    "l2_regularization_strength",
    "l2_shrinkage_regularization_strength",
    "beta",
)


class Ftrl(Optimizer):
    """Keras Ftrl (FTRL-Proximal): n' = n + g^2; z += g + 2*l2s*w - (n'^-p - n^-p)/lr * w;
    w = (clip(z, -l1, l1) - z) / (n'^-p/lr + 2*(l2 + beta/(2*lr))); p = learning_rate_power."""

    def __init__(
        self,
        learning_rate=0.001,
        learning_rate_power=-0.5,
        initial_accumulator_value=0.1,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0,
        beta=0.0,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            _core.Ftrl(
                0.0,
                float(learning_rate_power),
                float(initial_accumulator_value),
                float(l1_regularization_strength),
                float(l2_regularization_strength),
                float(l2_shrinkage_regularization_strength),
                float(beta),
            ),
            learning_rate,
            weight_decay,
            clipnorm,
            clipvalue,
            global_clipnorm,
            use_ema,
            ema_momentum,
            ema_overwrite_frequency,
            loss_scale_factor,
            gradient_accumulation_steps,
            name,
            **kwargs,
        )

    @property
    def learning_rate_power(self):
        return self._core.learning_rate_power

    @property
    def initial_accumulator_value(self):
        return self._core.initial_accumulator_value

    @property
    def l1_regularization_strength(self):
        return self._core.l1_regularization_strength

    @property
    def l2_regularization_strength(self):
        return self._core.l2_regularization_strength

    @property
    def l2_shrinkage_regularization_strength(self):
        return self._core.l2_shrinkage_regularization_strength

    @property
    def beta(self):
        return self._core.beta

    def get_config(self):
        return {**super().get_config(), **{a: getattr(self._core, a) for a in _ARGS}}
