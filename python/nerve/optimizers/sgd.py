from __future__ import annotations

from .. import _core
from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional momentum (Keras formula, nerve/optimizers.h):
    m = momentum*m - lr*g; w += m (nesterov: w += momentum*m - lr*g); no momentum: w -= lr*g."""

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
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
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        super().__init__(
            _core.SGD(0.0, float(momentum), bool(nesterov)),
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
    def momentum(self):
        return self._core.momentum

    @property
    def nesterov(self):
        return self._core.nesterov

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
