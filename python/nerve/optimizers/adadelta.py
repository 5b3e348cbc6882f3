from __future__ import annotations

from .. import _core
from .base import Optimizer


class Adadelta(Optimizer):
    """Keras Adadelta: a = rho*a + (1-rho)g²; d = -sqrt(ad+eps)/sqrt(a+eps)*g;
    ad = rho*ad + (1-rho)d²; w += lr*d."""

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.95,
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
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"Adadelta: rho must be in [0, 1), got {rho}")
        super().__init__(
            _core.Adadelta(0.0, float(rho), float(epsilon)),
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
    def epsilon(self):
        return self._core.epsilon

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
