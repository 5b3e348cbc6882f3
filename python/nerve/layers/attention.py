"""MultiHeadAttention (Keras) and a TransformerEncoder block built on it."""

from __future__ import annotations

import numpy as np

from .. import _core, initializers
from ..utils.keras_args import reject_unsupported
from ._sequence_utils import is_eager, positive_int, rate, to_tensor
from .base import Layer


class MultiHeadAttention(Layer):
    """Keras MultiHeadAttention: mha(query, value, key=None, attention_mask=None,
    use_causal_mask=False). Called with one input (e.g. inside Sequential) it is self-attention;
    `use_causal_mask` given to the constructor then applies to those calls.

    On symbolic tensors (functional models, a subclassed model's call) use_causal_mask is
    honoured; attention_mask, query_mask / value_mask and return_attention_scores are refused
    there (the graph node cannot take them yet). On arrays every argument applies."""

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        use_causal_mask=False,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = f"MultiHeadAttention '{self.name}'"
        # (the C++ layer gives its projections no regularizer roles yet)
        reject_unsupported(
            where,
            MultiHeadAttention.__init__,
            attention_axes=attention_axes,
            sliding_window=sliding_window,
            flash_attention=flash_attention,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            use_gate=use_gate,
            seed=seed,
        )
        self.num_heads = positive_int(num_heads, "num_heads", where)
        self.key_dim = positive_int(key_dim, "key_dim", where)
        self.value_dim = (
            self.key_dim if value_dim is None else positive_int(value_dim, "value_dim", where)
        )
        self.dropout = rate(dropout, "dropout", where)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, (tuple, list)):
            if len(output_shape) != 1:
                raise ValueError(
                    f"{where}: output_shape must be an int or a 1-tuple, got {output_shape!r}"
                )
            output_shape = output_shape[0]
        self.output_shape = (
            None if output_shape is None else positive_int(output_shape, "output_shape", where)
        )
        self.use_causal_mask = bool(use_causal_mask)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self._attach(self._make_core(self.use_causal_mask))
        self._graph_causal = self.use_causal_mask  # the setting of the C++ layer's graph runs

    def _inputs(self, query, value, key, query_mask, value_mask):
        where = f"MultiHeadAttention '{self.name}'"
        q = to_tensor(query, "query", where, query_mask)
        v = q if value is None else to_tensor(value, "value", where, value_mask)
        k = None if key is None else to_tensor(key, "key", where)
        for name, t in (("query", q), ("value", v), ("key", k)):
            if t is not None and len(t.shape) != 3:
                raise ValueError(
                    f"{where}: {name} must be 3-D (batch, timesteps, features), got "
                    f"shape {tuple(t.shape)}"
                )
        if not self.built:
            shapes = [list(q.shape[1:]), list(v.shape[1:])] + (
                [list(k.shape[1:])] if k is not None else []
            )
            self._core.build_many(shapes, _core.next_seed())
        return q, v, k

    def _make_core(self, causal: bool):
        return _core.MultiHeadAttention(
            self.name,
            self.num_heads,
            self.key_dim,
            self.value_dim,
            self.dropout,
            self.use_bias,
            self.output_shape or 0,
            causal,
            self.kernel_initializer._to_core(),
            self.bias_initializer._to_core(),
        )

    def _set_graph_causal(self, causal: bool, where: str) -> None:
        """The C++ layer fixes causal masking for the graph runs when it is made; a symbolic
        call asking for the other setting re-creates it (keeping its weights), unless a model
        already holds it or earlier calls used the other setting."""
        if causal == self._graph_causal:
            return
        if self._inbound_nodes or getattr(self, "_core_in_use", False):
            raise ValueError(
                f"{where}: use_causal_mask={causal} in a symbolic call, but this layer is already "
                f"part of a model with use_causal_mask={self._graph_causal} (its C++ layer fixes "
                f"the setting for every call of this shared layer). Use a separate "
                f"MultiHeadAttention layer for each setting."
            )
        old = self._core
        self._attach(self._make_core(causal))
        if old.built:
            self._core.build_many([list(s) for s in old.input_shapes], _core.next_seed())
            for dst, src in zip(self._core.weights, old.weights):
                np.asarray(dst)[...] = np.asarray(src)
        self._graph_causal = causal

    def _call_graph(
        self,
        query,
        value,
        key,
        attention_mask,
        use_causal_mask,
        training,
        query_mask,
        value_mask,
        return_attention_scores,
    ):
        """A call on symbolic tensors (functional model, subclassed call): one graph node with
        2-3 inputs. What the C++ graph node cannot take is refused, never dropped."""
        where = f"MultiHeadAttention '{self.name}'"
        if isinstance(query, (list, tuple)) and value is None and key is None:
            parts = list(query)  # [query, value(, key)]: a replay, or a model rebuilt from config
            query, value, key = (parts + [None, None])[:3]
        for name, arg in (
            ("attention_mask", attention_mask),
            ("query_mask", query_mask),
            ("value_mask", value_mask),
        ):
            if arg is not None:
                raise NotImplementedError(
                    f"{where}: {name}= in a symbolic call (functional model or subclassed "
                    f"call()) is not supported yet: the C++ graph has no mask input. Use "
                    f"use_causal_mask=True for causal masking, or call the layer on arrays "
                    f"(eagerly), where {name}= is applied."
                )
        if return_attention_scores:
            raise NotImplementedError(
                f"{where}: return_attention_scores=True in a symbolic call is not supported yet "
                f"(the graph node has one output); call the layer on arrays to get the scores."
            )
        causal = self.use_causal_mask if use_causal_mask is None else bool(use_causal_mask)
        self._set_graph_causal(causal, where)
        args = [query] if value is None else [query, value] + ([key] if key is not None else [])
        self._require_core("it was called")
        return self._call_symbolic(args, training, {"use_causal_mask": causal})

    def __call__(
        self,
        query,
        value=None,
        key=None,
        attention_mask=None,
        use_causal_mask=None,
        training=None,
        query_mask=None,
        value_mask=None,
        return_attention_scores=False,
    ):
        if not is_eager(query):  # symbolic tensors (functional API)
            outs = self._call_graph(
                query,
                value,
                key,
                attention_mask,
                use_causal_mask,
                training,
                query_mask,
                value_mask,
                return_attention_scores,
            )
            return outs[0] if len(outs) == 1 else outs
        q, v, k = self._inputs(query, value, key, query_mask, value_mask)
        causal = self.use_causal_mask if use_causal_mask is None else bool(use_causal_mask)
        mask = None
        if attention_mask is not None:
            mask = np.ascontiguousarray(np.asarray(attention_mask), dtype=np.float32)
            if mask.ndim == 2:  # (Tq, Tv): the same for every sample
                mask = np.ascontiguousarray(np.broadcast_to(mask, (q.shape[0],) + mask.shape))
        out = self._core.attend(q, v, k, mask, causal, bool(training))
        if not isinstance(query, _core.Tensor):  # a nerve.Tensor in gives a Tensor (GradientTape)
            out = np.array(out)
        if return_attention_scores:
            return out, np.array(self._core.scores(q, v, k, mask, causal))
        return out

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_shape,
            "use_causal_mask": self.use_causal_mask,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }


class TransformerEncoder(Layer):
    """A post-norm transformer encoder block (keras_hub TransformerEncoder), in C++:
        x = LayerNorm(x + Dropout(MultiHeadAttention(x, x)))
        x = LayerNorm(x + Dropout(Dense(features)(Dense(ff_dim, relu)(x))))
    Input and output are (batch, timesteps, features); padding masks are honoured and kept."""

    def __init__(
        self,
        num_heads,
        key_dim,
        ff_dim,
        dropout=0.0,
        layer_norm_epsilon=1e-5,
        use_causal_mask=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"TransformerEncoder '{self.name}'"
        self.num_heads = positive_int(num_heads, "num_heads", where)
        self.key_dim = positive_int(key_dim, "key_dim", where)
        self.ff_dim = positive_int(ff_dim, "ff_dim", where)
        self.dropout = rate(dropout, "dropout", where)
        self.layer_norm_epsilon = float(layer_norm_epsilon)
        if not self.layer_norm_epsilon > 0:
            raise ValueError(
                f"{where}: layer_norm_epsilon must be positive, got {layer_norm_epsilon!r}"
            )
        self.use_causal_mask = bool(use_causal_mask)
        self._attach(
            _core.TransformerEncoder(
                self.name,
                self.num_heads,
                self.key_dim,
                self.ff_dim,
                self.dropout,
                self.layer_norm_epsilon,
                self.use_causal_mask,
            )
        )

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "ff_dim": self.ff_dim,
            "dropout": self.dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "use_causal_mask": self.use_causal_mask,
        }
