"""Dropout (arguments declared in C++: nerve/layers/regularization.h)."""

from __future__ import annotations

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
