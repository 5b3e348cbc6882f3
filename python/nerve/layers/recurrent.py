"""SimpleRNN, LSTM and GRU (Keras semantics). Each whole sequence runs as one fused C++ op,
backprop through time included; gates are in Keras order (LSTM i, f, c, o; GRU z, r, h)."""

from __future__ import annotations

import numpy as np

from .. import _core
from ._sequence_utils import is_eager, to_tensor
from .declared import DeclaredLayer

# Keras arguments the engine does not take (regularizers work, by role; constraints are refused).
_KERAS_WEIGHT_ARGS = (
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
)


class _Recurrent(DeclaredLayer):
    """The eager and symbolic calls SimpleRNN, LSTM and GRU share (arguments declared in C++:
    nerve/layers/recurrent.h; the weights' regularizer roles are kernel, recurrent and bias)."""

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


class SimpleRNN(_Recurrent):
    """Fully connected recurrence: h_t = activation(x_t W + h_{t-1} U + b)."""

    core_type = "SimpleRNN"
    keras_args = {**dict.fromkeys(_KERAS_WEIGHT_ARGS), "stateful": False, "unroll": False}
    keras_order = (
        "units",
        "activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        *_KERAS_WEIGHT_ARGS,
        "dropout",
        "recurrent_dropout",
        "return_sequences",
        "return_state",
        "go_backwards",
        "stateful",
        "unroll",
        "seed",
    )


class LSTM(_Recurrent):
    """Long short-term memory. Weights: kernel (F, 4U), recurrent_kernel (U, 4U), bias (4U)."""

    core_type = "LSTM"
    keras_args = {
        **dict.fromkeys(_KERAS_WEIGHT_ARGS),
        "stateful": False,
        "unroll": False,
        "use_cudnn": "auto",
    }
    keras_order = (
        "units",
        "activation",
        "recurrent_activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        "unit_forget_bias",
        *_KERAS_WEIGHT_ARGS,
        "dropout",
        "recurrent_dropout",
        "seed",
        "return_sequences",
        "return_state",
        "go_backwards",
        "stateful",
        "unroll",
        "use_cudnn",
    )


class GRU(_Recurrent):
    """Gated recurrent unit with reset_after=True (the Keras 3 and cuDNN variant; bias (2, 3U))."""

    core_type = "GRU"
    keras_args = {
        **dict.fromkeys(_KERAS_WEIGHT_ARGS),
        "stateful": False,
        "unroll": False,
        "reset_after": True,  # False (the Keras 2 variant) is refused
        "use_cudnn": "auto",
    }
    keras_order = (
        "units",
        "activation",
        "recurrent_activation",
        "use_bias",
        "kernel_initializer",
        "recurrent_initializer",
        "bias_initializer",
        *_KERAS_WEIGHT_ARGS,
        "dropout",
        "recurrent_dropout",
        "seed",
        "return_sequences",
        "return_state",
        "go_backwards",
        "stateful",
        "unroll",
        "reset_after",
        "use_cudnn",
    )

    def _init_declared(self, cls, values, base_kwargs):
        super()._init_declared(cls, values, base_kwargs)
        self.reset_after = True

    def get_config(self):
        return {**super().get_config(), "reset_after": True}
