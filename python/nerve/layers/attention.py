"""MultiHeadAttention (Keras) and a TransformerEncoder block built on it: arguments declared in C++
(nerve/layers/attention.h; MultiHeadAttention's weight roles: kernel, bias). Keras's Attention and
AdditiveAttention: Python layers on nerve.ops, traced into C++."""

from __future__ import annotations

import numpy as np

from .. import _core, ops
from .. import random as nerve_random
from . import call_args
from ._sequence_utils import is_eager, to_tensor
from ._shapes import to_core
from .base import Layer
from .declared import DeclaredLayer
from .symbolic import KerasTensor
from .tracing import TracedTensor


class MultiHeadAttention(DeclaredLayer):
    """Keras MultiHeadAttention: mha(query, value, key=None, attention_mask=None,
    use_causal_mask=False). Called with one input (e.g. inside Sequential) it is self-attention;
    `use_causal_mask` given to the constructor then applies to those calls.

    On symbolic tensors (functional models, a custom layer's or subclassed model's call)
    use_causal_mask and attention_mask are honoured (the mask is the graph node's fourth input,
    broadcast over the batch and query axes as Keras does; it carries no gradient);
    query_mask / value_mask and return_attention_scores are refused there (the graph node cannot
    take them yet). On arrays every argument applies."""

    core_type = "MultiHeadAttention"
    keras_args = {
        "attention_axes": None,
        "sliding_window": None,
        "flash_attention": None,
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
        "use_gate": False,
    }
    keras_order = (
        "num_heads",
        "key_dim",
        "value_dim",
        "dropout",
        "use_bias",
        "output_shape",
        "attention_axes",
        "sliding_window",
        "flash_attention",
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint",
        "use_gate",
        "seed",
        "use_causal_mask",  # nerve's: the causal setting of single-input and graph calls
    )

    def _init_declared(self, cls, values, base_kwargs):
        super()._init_declared(cls, values, base_kwargs)
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
        """A C++ layer with this layer's arguments and the given causal setting."""
        args = {
            name: getattr(self, name)._to_core() if kind == "initializer" else getattr(self, name)
            for name, kind, *_ in self._spec
        }
        return _core.make_layer(self.core_type, self.name, {**args, "use_causal_mask": causal})

    def _in_a_model(self) -> bool:
        return bool(self._inbound_nodes) or getattr(self, "_core_in_use", False)

    def _remake_core(self, causal: bool, shapes) -> None:
        """A new C++ layer (causal setting, graph input shapes) holding this one's weights."""
        old = self._core
        self._attach(self._make_core(causal))
        if old.built:
            self._core.build_many([list(s) for s in shapes], _core.next_seed())
            for dst, src in zip(self._core.weights, old.weights):
                np.asarray(dst)[...] = np.asarray(src)

    def _set_graph_causal(self, causal: bool, where: str) -> None:
        """The C++ layer fixes causal masking for the graph runs when it is made; a symbolic
        call asking for the other setting re-creates it (keeping its weights), unless a model
        already holds it or earlier calls used the other setting."""
        if causal == self._graph_causal:
            return
        if self._in_a_model():
            raise ValueError(
                f"{where}: use_causal_mask={causal} in a symbolic call, but this layer is already "
                f"part of a model with use_causal_mask={self._graph_causal} (its C++ layer fixes "
                f"the setting for every call of this shared layer). Use a separate "
                f"MultiHeadAttention layer for each setting."
            )
        self._remake_core(causal, self._core.input_shapes if self._core.built else [])
        self._graph_causal = causal

    def _ensure_built(self, shapes) -> None:
        self._fit_input_count(shapes)
        super()._ensure_built(shapes)

    def _fit_input_count(self, shapes) -> None:
        """Graph calls fix the number of inputs (query, value(, key(, attention_mask))) of the
        C++ layer: a call with another number re-builds it for them, keeping the weights,
        unless a model already holds it with the other number."""
        if self.built and len(shapes) != len(self._core.input_shapes):
            with_mask = len(shapes) == 4
            if self._in_a_model():
                raise ValueError(
                    f"MultiHeadAttention '{self.name}': called "
                    f"{'with' if with_mask else 'without'} an attention_mask in a symbolic call, "
                    f"but a model already holds this layer's calls "
                    f"{'without' if with_mask else 'with'} one (its C++ graph node fixes its "
                    f"inputs). Use a separate MultiHeadAttention layer for each."
                )
            self._remake_core(self._graph_causal, shapes)

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
            # A replay, or a model rebuilt from config: [query, value(, key(, attention_mask))].
            query, value, key, mask = (list(query) + [None] * 3)[:4]
            attention_mask = mask if attention_mask is None else attention_mask
        for name, arg in (("query_mask", query_mask), ("value_mask", value_mask)):
            if arg is not None:
                raise NotImplementedError(
                    f"{where}: {name}= in a symbolic call (functional model or subclassed "
                    f"call()) is not supported yet: the C++ graph takes only an "
                    f"attention_mask. Pass attention_mask= (1 = attend), or call the layer on "
                    f"arrays (eagerly), where {name}= is applied."
                )
        if return_attention_scores:
            raise NotImplementedError(
                f"{where}: return_attention_scores=True in a symbolic call is not supported yet "
                f"(the graph node has one output); call the layer on arrays to get the scores."
            )
        if (
            attention_mask is not None
            and is_eager(attention_mask)
            and not isinstance(attention_mask, TracedTensor)
        ):
            raise NotImplementedError(
                f"{where}: attention_mask= in a symbolic call was a constant array "
                f"{np.shape(attention_mask)}, which the graph cannot hold yet: make the mask a "
                f"model input (nerve.Input) or compute it from one, or call the layer on arrays."
            )
        causal = self.use_causal_mask if use_causal_mask is None else bool(use_causal_mask)
        self._set_graph_causal(causal, where)
        if attention_mask is not None:  # the fourth input; value and key then always given
            value = query if value is None else value
            args = [query, value, value if key is None else key, attention_mask]
        else:
            args = [query] if value is None else [query, value] + ([key] if key is not None else [])
        self._require_core("it was called")
        if any(isinstance(a, TracedTensor) for a in args):
            # Inside a custom layer's traced call() (the Keras transformer examples' blocks):
            # recorded as a step of that trace, as any sub-layer call is.
            return [super().__call__(args, training=training)]
        self._fit_input_count([to_core(a._sample_shape) for a in args])
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
        if not is_eager(query) or isinstance(query, TracedTensor):  # functional API, a trace
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


class TransformerEncoder(DeclaredLayer):
    """A post-norm transformer encoder block (keras_hub TransformerEncoder), in C++:
        x = LayerNorm(x + Dropout(MultiHeadAttention(x, x)))
        x = LayerNorm(x + Dropout(Dense(features)(Dense(ff_dim, relu)(x))))
    Input and output are (batch, timesteps, features); padding masks are honoured and kept."""

    core_type = "TransformerEncoder"


class Attention(Layer):
    """Keras's Attention: dot-product (Luong-style) attention, written in nerve.ops and traced
    into C++ like any Python layer. Called with [query, value] or [query, value, key] (batch,
    timesteps, features); key defaults to value. score_mode "dot": scores = query @ key^T (times
    the learned scalar `scale` with use_scale); "concat": scores = concat_score_weight *
    sum(tanh(scale * (query + key))). mask=[query_mask, value_mask] (1 / True: a real step):
    value steps masked out get no attention, query steps masked out give zeros;
    use_causal_mask=True lets step i attend to steps <= i only; dropout drops attention
    weights in training; return_attention_scores=True also returns the (batch, Tq, Tv)
    attention weights."""

    _SCORE_MODES = ("dot", "concat")

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in self._SCORE_MODES:
            raise ValueError(
                f"{type(self).__name__}: invalid value for argument score_mode. Expected one of "
                f"{{'dot', 'concat'}}. Received: score_mode={score_mode!r}"
            )
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got {dropout!r}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.scale = None
        self.concat_score_weight = None
        if self.dropout > 0:
            self._seed_generator = nerve_random.SeedGenerator(seed=seed)

    def build(self, input_shape):
        _check_inputs(self, input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = ops.multiply(scores, self.scale)
            return scores
        q = ops.expand_dims(query, axis=-2)  # (batch, Tq, 1, dim)
        k = ops.expand_dims(key, axis=-3)  # (batch, 1, Tv, dim)
        summed = ops.add(q, k)
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def __call__(
        self,
        inputs,
        mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=False,
        **kwargs,
    ):
        """Keras's call arguments; the masks become extra inputs of the traced call."""
        if call_args.TENSOR_ARGS_KEY not in kwargs:  # not a model's replay of an earlier call
            _check_inputs(self, inputs, mask)
            inputs = list(inputs)
            _refuse_carried_masks(self, inputs)
            if mask is not None:
                if mask[0] is not None and any(
                    isinstance(x, (KerasTensor, TracedTensor)) for x in inputs
                ):
                    raise NotImplementedError(
                        f"{type(self).__name__} '{self.name}': a query mask (mask[0]) in a "
                        f"symbolic call (functional model, a layer's call()) is not supported "
                        f"yet: Keras also hands it on as the output's padding mask to the layers "
                        f"after this one (pooling, RNNs, attention), which this layer cannot. "
                        f"Give mask=[None, value_mask] and zero the masked query steps "
                        f"yourself, or call the layer on arrays, where the query mask applies."
                    )
                for name, m in zip(("query_mask", "value_mask"), mask):
                    if m is not None:
                        kwargs[name] = m
        elif mask is not None:
            raise TypeError(f"{type(self).__name__} '{self.name}': mask= given with a replay")
        # Only what differs from Keras's defaults is passed on (a call with none of them is the
        # layer's plain trace, saved as Keras saves it).
        if use_causal_mask:
            kwargs["use_causal_mask"] = True
        if return_attention_scores:
            kwargs["return_attention_scores"] = True
        return super().__call__(inputs, training=training, **kwargs)

    def _mask_rule(self) -> str:
        # Keras hands Attention the padding masks its inputs carry; the trace cannot read them,
        # so a carried mask raises when the step runs (tracing.mask_rule)
        return "refuse"

    def call(
        self,
        inputs,
        query_mask=None,
        value_mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        scores = self._calculate_scores(query, key)
        keep = None  # 1 where a query step may attend to a value step
        if value_mask is not None:
            keep = ops.expand_dims(ops.cast(ops.not_equal(value_mask, 0), "float32"), axis=-2)
        if use_causal_mask:
            ones = ops.ones_like(scores)
            causal = ops.cast(
                ops.greater_equal(ops.cumsum(ones, axis=-2), ops.cumsum(ones, axis=-1)),
                "float32",
            )
            keep = causal if keep is None else ops.multiply(keep, causal)
        if keep is not None:  # Keras's bias: masked scores lose 1e9
            scores = ops.where(ops.equal(keep, 0), ops.subtract(scores, 1.0e9), scores)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = nerve_random.dropout(weights, self.dropout, seed=self._seed_generator)
        output = ops.matmul(weights, value)
        if query_mask is not None:
            q_keep = ops.expand_dims(ops.not_equal(query_mask, 0), axis=-1)
            output = ops.where(q_keep, output, ops.zeros_like(output))
        if return_attention_scores:
            return [output, weights]
        return output

    def compute_output_shape(self, input_shape):
        _check_inputs(self, input_shape)
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def get_config(self):
        config = {k: v for k, v in Layer.get_config(self).items() if k != "activity_regularizer"}
        config.update(
            use_scale=self.use_scale,
            score_mode=self.score_mode,
            dropout=self.dropout,
            seed=self.seed,
        )
        return config


class AdditiveAttention(Attention):
    """Keras's AdditiveAttention (Bahdanau-style): scores = sum(scale * tanh(query + key)) over
    the features, `scale` a learned vector (glorot_uniform, one entry per feature) with
    use_scale, else 1. Calls as Attention's."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        _check_inputs(self, input_shape)
        if self.use_scale:
            dim = tuple(input_shape[0])[-1]
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        q = ops.expand_dims(query, axis=-2)  # (batch, Tq, 1, dim)
        k = ops.expand_dims(key, axis=-3)  # (batch, 1, Tv, dim)
        summed = ops.tanh(ops.add(q, k))
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.sum(summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


def _check_inputs(layer, inputs, mask=None) -> None:
    """Keras's checks of Attention's call: a list of 2 or 3 inputs, a mask list of 2 or 3."""
    who = type(layer).__name__
    if not isinstance(inputs, (list, tuple)) or (
        inputs and not isinstance(inputs[0], (list, tuple)) and _is_shape(inputs)
    ):
        raise ValueError(
            f"{who} layer must be called on a list of inputs, namely [query, value] or "
            f"[query, value, key]. Received: inputs={inputs}."
        )
    if len(inputs) < 2 or len(inputs) > 3:
        raise ValueError(
            f"{who} layer accepts inputs list of length 2 or 3, namely [query, value] or "
            f"[query, value, key]. Received length: {len(inputs)}."
        )
    if mask is not None:
        if not isinstance(mask, (list, tuple)):
            raise ValueError(
                f"{who} layer mask must be a list, namely [query_mask, value_mask]. "
                f"Received: mask={mask}."
            )
        if len(mask) < 2 or len(mask) > 3:
            raise ValueError(
                f"{who} layer accepts mask list of length 2 or 3. Received: mask={mask}."
            )


def _refuse_carried_masks(layer, inputs) -> None:
    """Keras hands Attention the padding masks its inputs carry (an Embedding's mask_zero, kept
    by the layers after it); nerve's trace cannot read them, so an eager call on a tensor with one
    raises rather than attending to padding (in a model, the traced layer refuses it when the
    step runs: Attention._mask_rule)."""
    who = f"{type(layer).__name__} '{layer.name}'"
    for x in inputs:
        if isinstance(x, _core.Tensor) and x.mask is not None:
            raise NotImplementedError(
                f"{who}: an input carries a padding mask, which this layer cannot read yet; "
                f"pass it as mask=[query_mask, value_mask]"
            )


def _is_shape(value) -> bool:
    """A single shape (a tuple of sizes), not a list of shapes or tensors."""
    return all(d is None or isinstance(d, (int, np.integer)) for d in value)
