"""SimpleRNN, LSTM and GRU (Keras semantics). Each whole sequence runs as one fused C++ op,
backprop through time included; gates are in Keras order (LSTM i, f, c, o; GRU z, r, h)."""

from __future__ import annotations

import numpy as np

from .. import _core, activations, initializers
from ..utils.keras_args import UnsupportedArgumentError, reject_unsupported
from ._sequence_utils import default_name, is_eager, positive_int, rate, to_tensor
from .base import Layer


class _Recurrent(Layer):
    _cell = ""

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        use_cudnn="auto",
        **kwargs,
    ):
        super().__init__(
            activity_regularizer=activity_regularizer, **default_name(kwargs, self._snake)
        )
        where = f"{type(self).__name__} '{self.name}'"
        # (the C++ recurrent layer gives its weights no regularizer roles yet; dropout masks come
        # from the build seed, not a per-layer seed)
        reject_unsupported(
            where,
            _Recurrent.__init__,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            seed=seed,
            stateful=stateful,
            unroll=unroll,
            use_cudnn=use_cudnn,
        )
        self.units = positive_int(units, "units", where)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.dropout = rate(dropout, "dropout", where)
        self.recurrent_dropout = rate(recurrent_dropout, "recurrent_dropout", where)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self._attach(
            _core.Recurrent(
                self.name,
                self._cell,
                self.units,
                self.activation,
                self.recurrent_activation,
                self.use_bias,
                self.return_sequences,
                self.return_state,
                self.go_backwards,
                self.dropout,
                self.recurrent_dropout,
                self.unit_forget_bias,
                self.kernel_initializer._to_core(),
                self.recurrent_initializer._to_core(),
                self.bias_initializer._to_core(),
            )
        )

    def __call__(self, inputs, mask=None, initial_state=None, training=False):
        """Eager call on a (batch, timesteps, features) array, or a nerve.Tensor (the outputs are
        then Tensors, recorded for GradientTape). `mask` (batch, timesteps) marks the valid steps;
        `initial_state` is a list of (batch, units) arrays. With return_state the result is
        [output, h] (LSTM: [output, h, c])."""
        if not is_eager(inputs):
            if mask is not None:  # the graph node carries no mask: refuse rather than drop it
                raise NotImplementedError(
                    f"{type(self).__name__} '{self.name}': mask= in a symbolic call "
                    f"(functional model or subclassed call()) is not supported yet; padding "
                    f"masks from Embedding(mask_zero=True) do reach the layer in a model"
                )
            # The C++ layer takes the initial states as extra inputs of its graph node.
            states = list(initial_state) if initial_state is not None else []
            return super().__call__([inputs, *states] if states else inputs, training=training)
        where = f"{type(self).__name__} '{self.name}'"
        x = to_tensor(inputs, "input", where, mask)
        if len(x.shape) != 3:
            raise ValueError(
                f"{where}: expects a 3-D input (batch, timesteps, features), got an "
                f"array of shape {tuple(x.shape)}"
            )
        if not self.built:
            self.build(tuple(x.shape[1:]))
        states = list(initial_state) if initial_state is not None else []
        n = self._core.state_count
        if len(states) > n:
            raise ValueError(
                f"{where}: initial_state has {len(states)} arrays, the cell has {n} state(s)"
            )
        states = [to_tensor(s, f"initial_state[{i}]", where) for i, s in enumerate(states)]
        outs = self._core.run(
            x, states[0] if states else None, states[1] if len(states) > 1 else None, None, training
        )
        if not isinstance(inputs, _core.Tensor):  # a nerve.Tensor in gives Tensors (GradientTape)
            outs = [np.array(o) for o in outs]
        return outs if self.return_state else outs[0]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
        }


class SimpleRNN(_Recurrent):
    """Fully connected recurrence: h_t = activation(x_t W + h_{t-1} U + b)."""

    _cell = "SimpleRNN"
    _snake = "simple_rnn"

    def __init__(self, units, activation="tanh", **kwargs):
        _refuse_arguments_keras_lacks(self, kwargs, "recurrent_activation", "unit_forget_bias")
        super().__init__(units, activation=activation, **kwargs)

    def get_config(self):
        config = super().get_config()
        for k in ("recurrent_activation", "unit_forget_bias"):
            config.pop(k)
        return config


class LSTM(_Recurrent):
    """Long short-term memory. Weights: kernel (F, 4U), recurrent_kernel (U, 4U), bias (4U)."""

    _cell = "LSTM"
    _snake = "lstm"


class GRU(_Recurrent):
    """Gated recurrent unit with reset_after=True (the Keras 3 and cuDNN variant; bias (2, 3U))."""

    _cell = "GRU"
    _snake = "gru"

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        *,
        reset_after=True,
        **kwargs,
    ):
        _refuse_arguments_keras_lacks(self, kwargs, "unit_forget_bias")
        if not reset_after:
            raise UnsupportedArgumentError(
                "GRU: reset_after=False is not supported yet; only "
                "reset_after=True (the Keras 3 default) is implemented"
            )
        super().__init__(units, activation, recurrent_activation, use_bias, **kwargs)
        self.reset_after = True

    def get_config(self):
        config = super().get_config()
        config.pop("unit_forget_bias")
        return {**config, "reset_after": True}


def _refuse_arguments_keras_lacks(layer, kwargs: dict, *names) -> None:
    """SimpleRNN and GRU share LSTM's constructor; refuse its arguments their Keras classes lack,
    as Keras does."""
    given = {k: kwargs[k] for k in names if k in kwargs}
    if given:
        raise ValueError(
            f"Unrecognized keyword arguments passed to {type(layer).__name__}: {given}"
        )
