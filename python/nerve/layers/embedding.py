"""Embedding (token ids -> vectors, optional padding mask) and learned PositionEmbedding."""

from __future__ import annotations

import numpy as np

from .. import _core, initializers
from ..utils.keras_args import reject_unsupported
from ._sequence_utils import positive_int
from .base import Layer


class Embedding(Layer):
    """Maps integer ids in [0, input_dim) to vectors of output_dim. With mask_zero=True, id 0 is
    padding: the output carries a (batch, timesteps) mask that RNNs, attention and pooling honour."""

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"Embedding '{self.name}'"
        # (the C++ Embedding gives its table no regularizer role yet)
        reject_unsupported(
            where,
            Embedding.__init__,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            weights=weights,
            lora_rank=lora_rank,
            lora_alpha=lora_alpha,
            quantization_config=quantization_config,
        )
        self.input_dim = positive_int(input_dim, "input_dim", where)
        self.output_dim = positive_int(output_dim, "output_dim", where)
        if embeddings_initializer == "uniform":  # Keras' name for RandomUniform(-0.05, 0.05)
            embeddings_initializer = "random_uniform"
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.mask_zero = bool(mask_zero)
        self._attach(
            _core.Embedding(
                self.name,
                self.input_dim,
                self.output_dim,
                self.mask_zero,
                self.embeddings_initializer._to_core(),
            )
        )

    def compute_mask(self, inputs):
        """The padding mask (inputs != 0) with mask_zero, else None."""
        return (np.asarray(inputs) != 0) if self.mask_zero else None

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "mask_zero": self.mask_zero,
        }


class PositionEmbedding(Layer):
    """Adds a learned embedding of each position (keras_hub PositionEmbedding): x + table[:T]."""

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = positive_int(
            sequence_length, "sequence_length", f"PositionEmbedding '{self.name}'"
        )
        self.initializer = initializers.get(initializer)
        self._attach(
            _core.PositionEmbedding(self.name, self.sequence_length, self.initializer._to_core())
        )

    def get_config(self):
        return {
            **super().get_config(),
            "sequence_length": self.sequence_length,
            "initializer": initializers.serialize(self.initializer),
        }
