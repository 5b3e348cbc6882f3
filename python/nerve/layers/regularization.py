"""Dropout."""

from __future__ import annotations

from .. import _core
from ..utils.keras_args import reject_unsupported
from .base import Layer


class Dropout(Layer):
    """Inverted dropout: while training, each value is zeroed with probability `rate` and the rest
    are scaled by 1 / (1 - rate); in evaluate/predict the layer is the identity.

    The masks come from `seed`, or from the layer's build seed (nerve.utils.set_random_seed), plus
    a per-step counter: seeded runs reproduce exactly.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        who = f"Dropout '{self.name}'"
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"{who}: rate must be a float in [0, 1), got {rate!r}")
        reject_unsupported(who, Dropout.__init__, noise_shape=noise_shape)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"{who}: seed must be a non-negative int or None, got {seed!r}")
        self.rate = float(rate)
        self.seed = seed
        self._attach(_core.Dropout(self.name, self.rate, -1 if seed is None else seed))

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
