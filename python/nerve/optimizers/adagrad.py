from __future__ import annotations

from .. import _core
from .base import Optimizer


class Adagrad(Optimizer):
    """Keras Adagrad: acc += g² (acc starts at initial_accumulator_value); w -= lr*g/sqrt(acc+eps)."""

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
        epsilon=1e-7,
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
        if initial_accumulator_value < 0:
            raise ValueError(
                f"Adagrad: initial_accumulator_value must be >= 0, got {initial_accumulator_value}"
            )
        super().__init__(
            _core.Adagrad(0.0, float(initial_accumulator_value), float(epsilon)),
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
    def initial_accumulator_value(self):
        return self._core.initial_accumulator_value

    @property
    def epsilon(self):
        return self._core.epsilon

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
