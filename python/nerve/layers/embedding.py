"""Embedding (token ids -> vectors, optional padding mask) and learned PositionEmbedding.
Arguments declared in C++ (nerve/layers/embedding.h)."""

from __future__ import annotations

import numpy as np

from .declared import DeclaredLayer


class Embedding(DeclaredLayer):
    """Maps integer ids in [0, input_dim) to vectors of output_dim. With mask_zero=True, id 0 is
    padding: the output carries a (batch, timesteps) mask that RNNs, attention and pooling honour."""

    _weight_attributes = (("embeddings", None),)  # Keras's layer.kernel, ...

    core_type = "Embedding"
    keras_args = {
        "embeddings_regularizer": None,
        "embeddings_constraint": None,
        "weights": None,
        "lora_rank": None,
        "lora_alpha": None,
        "quantization_config": None,
    }
    keras_order = (
        "input_dim",
        "output_dim",
        "embeddings_initializer",
        "embeddings_regularizer",
        "embeddings_constraint",
        "mask_zero",
        "weights",
        "lora_rank",
        "lora_alpha",
        "quantization_config",
    )

    def _init_declared(self, cls, values, base_kwargs):
        if isinstance(values["embeddings_initializer"], str) and values[
            "embeddings_initializer"
        ] in ("uniform", "Uniform"):  # Keras's alias of RandomUniform(-0.05, 0.05)
            values["embeddings_initializer"] = "random_uniform"
        super()._init_declared(cls, values, base_kwargs)

    def compute_mask(self, inputs, mask=None):
        """The padding mask (inputs != 0) with mask_zero, else None."""
        return (np.asarray(inputs) != 0) if self.mask_zero else None


class PositionEmbedding(DeclaredLayer):
    """Adds a learned embedding of each position (keras_hub PositionEmbedding): x + table[:T]."""

    core_type = "PositionEmbedding"
