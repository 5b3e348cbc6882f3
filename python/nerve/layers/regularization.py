"""Dropout, GaussianNoise, GaussianDropout and ActivityRegularization (arguments declared in C++:
nerve/layers/regularization.h)."""

from __future__ import annotations

from .. import regularizers
from ..utils.keras_args import UnsupportedArgumentError
from .declared import DeclaredLayer


class Dropout(DeclaredLayer):
    """Inverted dropout: while training, each value is zeroed with probability `rate` and the rest
    are scaled by 1 / (1 - rate); in evaluate/predict the layer is the identity.

    The masks come from `seed`, or from the layer's build seed (nerve.utils.set_random_seed), plus
    a per-step counter: seeded runs reproduce exactly.
    """

    core_type = "Dropout"
    keras_args = {"noise_shape": None}
    keras_order = ("rate", "noise_shape", "seed")


class GaussianNoise(DeclaredLayer):
    """While training, adds zero-centred Gaussian noise of deviation `stddev` (in [0, 1], as
    Keras); in evaluate/predict the identity. Fresh noise per step from `seed` (or the layer's
    build seed) and a step counter, as Dropout."""

    core_type = "GaussianNoise"


class GaussianDropout(DeclaredLayer):
    """While training, multiplies by Gaussian noise of mean 1 and deviation sqrt(rate / (1 - rate));
    in evaluate/predict the identity. rate is in [0, 1) (Keras's rate=1 would be infinite noise)."""

    core_type = "GaussianDropout"


class ActivityRegularization(DeclaredLayer):
    """The identity; its output's L1L2(l1, l2) penalty (divided by the batch size, as Keras 3)
    enters the training loss."""

    core_type = "ActivityRegularization"

    def _init_declared(self, cls, values, base_kwargs):
        if base_kwargs.get("activity_regularizer") is not None:  # Keras: a duplicate keyword
            raise UnsupportedArgumentError(
                f"{cls.__name__}: takes no activity_regularizer; its regularizer is L1L2(l1, l2) "
                f"of its own arguments"
            )
        super()._init_declared(cls, values, base_kwargs)
        # Keras's layer holds the regularizer it builds (and leaves it out of get_config)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return config
