"""MultiHeadAttention (Keras) and a TransformerEncoder block built on it."""

from __future__ import annotations

import numpy as np

from .. import _core, initializers
from ._sequence_utils import is_eager, positive_int, rate, to_tensor
from .base import Layer


class MultiHeadAttention(Layer):
    """Keras MultiHeadAttention: mha(query, value, key=None, attention_mask=None,
    use_causal_mask=False). Called with one input (e.g. inside Sequential) it is self-attention;
    `use_causal_mask` given to the constructor then applies to those calls. In a functional model
    a call-time use_causal_mask is honoured too (it is fixed at the layer's first call)."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, use_causal_mask=False, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        where = f"MultiHeadAttention '{self.name}'"
        self.num_heads = positive_int(num_heads, "num_heads", where)
        self.key_dim = positive_int(key_dim, "key_dim", where)
        self.value_dim = self.key_dim if value_dim is None else positive_int(value_dim, "value_dim", where)
        self.dropout = rate(dropout, "dropout", where)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, (tuple, list)):
            if len(output_shape) != 1:
                raise ValueError(f"{where}: output_shape must be an int or a 1-tuple, got {output_shape!r}")
            output_shape = output_shape[0]
        self.output_shape = None if output_shape is None else positive_int(output_shape, "output_shape", where)
        self.use_causal_mask = bool(use_causal_mask)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._attach(self._new_core())

    def _new_core(self):
        return _core.MultiHeadAttention(
            self.name, self.num_heads, self.key_dim, self.value_dim, self.dropout, self.use_bias,
            self.output_shape or 0, self.use_causal_mask, self.kernel_initializer._to_core(),
            self.bias_initializer._to_core())

    def _symbolic_call_options(self, attention_mask, use_causal_mask, return_attention_scores):
        """In a functional model the C++ layer applies the causal mask it was made with, so a
        call-time use_causal_mask (the Keras way) becomes that setting on the first call."""
        where = f"MultiHeadAttention '{self.name}'"
        if attention_mask is not None or return_attention_scores:
            raise ValueError(f"{where}: attention_mask and return_attention_scores are not "
                             f"supported in a functional model; call the layer on arrays for "
                             f"them, or use use_causal_mask / Embedding(mask_zero=True) masks")
        if use_causal_mask is None or bool(use_causal_mask) == self.use_causal_mask:
            return
        if self.built:
            raise ValueError(f"{where}: called with use_causal_mask={bool(use_causal_mask)} in a "
                             f"functional model after being built with use_causal_mask="
                             f"{self.use_causal_mask}; a shared layer keeps one setting")
        self.use_causal_mask = bool(use_causal_mask)
        self._attach(self._new_core())

    def _inputs(self, query, value, key, query_mask, value_mask):
        where = f"MultiHeadAttention '{self.name}'"
        q = to_tensor(query, "query", where, query_mask)
        v = q if value is None else to_tensor(value, "value", where, value_mask)
        k = None if key is None else to_tensor(key, "key", where)
        for name, t in (("query", q), ("value", v), ("key", k)):
            if t is not None and len(t.shape) != 3:
                raise ValueError(f"{where}: {name} must be 3-D (batch, timesteps, features), got "
                                 f"shape {tuple(t.shape)}")
        if not self.built:
            shapes = [list(q.shape[1:]), list(v.shape[1:])] + ([list(k.shape[1:])] if k is not None else [])
            self._core.build_many(shapes, _core.next_seed())
        return q, v, k

    def __call__(self, query, value=None, key=None, attention_mask=None, use_causal_mask=None,
                 training=False, query_mask=None, value_mask=None, return_attention_scores=False):
        if not is_eager(query):  # symbolic tensors (functional API): one graph node, 2-3 inputs
            self._symbolic_call_options(attention_mask, use_causal_mask, return_attention_scores)
            args = [query] if value is None else [query, value] + ([key] if key is not None else [])
            return super().__call__(args if len(args) > 1 else query, training=training)
        q, v, k = self._inputs(query, value, key, query_mask, value_mask)
        causal = self.use_causal_mask if use_causal_mask is None else bool(use_causal_mask)
        mask = None
        if attention_mask is not None:
            mask = np.ascontiguousarray(np.asarray(attention_mask), dtype=np.float32)
            if mask.ndim == 2:  # (Tq, Tv): the same for every sample
                mask = np.ascontiguousarray(np.broadcast_to(mask, (q.shape[0],) + mask.shape))
        out = np.array(self._core.attend(q, v, k, mask, causal, training))
        if return_attention_scores:
            return out, np.array(self._core.scores(q, v, k, mask, causal))
        return out

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self.output_shape, "use_causal_mask": self.use_causal_mask,
                "kernel_initializer": self.kernel_initializer.name,
                "bias_initializer": self.bias_initializer.name}


class TransformerEncoder(Layer):
    """A post-norm transformer encoder block (keras_hub TransformerEncoder), in C++:
        x = LayerNorm(x + Dropout(MultiHeadAttention(x, x)))
        x = LayerNorm(x + Dropout(Dense(features)(Dense(ff_dim, relu)(x))))
    Input and output are (batch, timesteps, features); padding masks are honoured and kept."""

    def __init__(self, num_heads, key_dim, ff_dim, dropout=0.0, layer_norm_epsilon=1e-5,
                 use_causal_mask=False, **kwargs):
        super().__init__(**kwargs)
        where = f"TransformerEncoder '{self.name}'"
        self.num_heads = positive_int(num_heads, "num_heads", where)
        self.key_dim = positive_int(key_dim, "key_dim", where)
        self.ff_dim = positive_int(ff_dim, "ff_dim", where)
        self.dropout = rate(dropout, "dropout", where)
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        self.use_causal_mask = bool(use_causal_mask)
        self._attach(_core.TransformerEncoder(self.name, self.num_heads, self.key_dim, self.ff_dim,
                                              self.dropout, self.layer_norm_epsilon,
                                              self.use_causal_mask))

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "ff_dim": self.ff_dim, "dropout": self.dropout,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "use_causal_mask": self.use_causal_mask}
