from __future__ import annotations

from .. import _core
from .base import Optimizer


class RMSprop(Optimizer):
    """Keras RMSprop: v = rho*v + (1-rho)g²; w -= lr*g/sqrt(v + eps) (centered: v - mean(g)² +
    eps); with momentum the step goes through m = momentum*m + step."""

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"RMSprop: rho must be in [0, 1), got {rho}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"RMSprop: momentum must be in [0, 1], got {momentum}")
        super().__init__(
            _core.RMSprop(0.0, float(rho), float(momentum), float(epsilon), bool(centered)),
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
    def rho(self):
        return self._core.rho

    @property
    def momentum(self):
        return self._core.momentum

    @property
    def epsilon(self):
        return self._core.epsilon

    @property
    def centered(self):
        return self._core.centered

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
