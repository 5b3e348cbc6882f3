from __future__ import annotations

from .. import _core
from .base import Optimizer


class Lamb(Optimizer):
    """Keras Lamb: Adam's moments, u = m_hat / (sqrt(v_hat) + eps), and w -= lr * r * u with the
    layer-wise trust ratio r = |w| / |u| (1 when either norm is 0), per weight tensor."""

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
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
        super().__init__(
            _core.Lamb(0.0, float(beta_1), float(beta_2), float(epsilon)),
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
    def beta_1(self):
        return self._core.beta_1

    @property
    def beta_2(self):
        return self._core.beta_2

    @property
    def epsilon(self):
        return self._core.epsilon

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
