from __future__ import annotations

from .. import _core
from .base import Optimizer


class Adam(Optimizer):
    """Keras Adam: lr_t = lr*sqrt(1-b2^t)/(1-b1^t); w -= lr_t*m/(sqrt(v)+epsilon); amsgrad uses
    the running maximum of v."""

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        for what, b in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{type(self).__name__}: {what} must be in [0, 1), got {b}")
        super().__init__(
            self._make_core(float(beta_1), float(beta_2), float(epsilon), bool(amsgrad)),
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

    def _make_core(self, beta_1, beta_2, epsilon, amsgrad):
        return _core.Adam(0.0, beta_1, beta_2, epsilon, amsgrad)

    @property
    def beta_1(self):
        return self._core.beta_1

    @property
    def beta_2(self):
        return self._core.beta_2

    @property
    def epsilon(self):
        return self._core.epsilon

    @property
    def amsgrad(self):
        return self._core.amsgrad

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
