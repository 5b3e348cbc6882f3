"""MultiHeadAttention (Keras) and a TransformerEncoder block built on it. Arguments declared in C++
(nerve/layers/attention.h; MultiHeadAttention's weight roles: kernel, bias)."""

from __future__ import annotations

import numpy as np

from .. import _core
from ._sequence_utils import is_eager, to_tensor
from ._shapes import to_core
from .declared import DeclaredLayer
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
