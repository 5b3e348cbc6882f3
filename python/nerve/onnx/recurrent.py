"""SimpleRNN, LSTM and GRU as ONNX's RNN, LSTM and GRU ops (and Bidirectional as two of them).

Keras's weights map onto ONNX's: kernels transposed; LSTM gates reordered from Keras's i, f, c, o
to ONNX's i, o, f, c; GRU's gates (z, r, h) already agree, and its reset_after=True is ONNX's
linear_before_reset=1 with the input and recurrent biases side by side. go_backwards reverses
the input in time first (Keras returns the backward outputs in that reversed order too)."""

from __future__ import annotations

import numpy as np

from ..layers import GRU, LSTM, Bidirectional, SimpleRNN

_ONNX_OP = {SimpleRNN: "RNN", LSTM: "LSTM", GRU: "GRU"}
_GATES = {SimpleRNN: 1, LSTM: 4, GRU: 3}
# Keras activation -> (ONNX RNN activation, alpha, beta); None: the ONNX function takes no such
# parameter. ONNX Runtime reads activation_alpha (beta) one value per activation that takes one,
# in the op's activation order, so only those get an entry.
_ACTIVATIONS = {
    "tanh": ("Tanh", None, None),
    "sigmoid": ("Sigmoid", None, None),
    "relu": ("Relu", None, None),
    "softsign": ("Softsign", None, None),
    "softplus": ("Softplus", None, None),
    "hard_sigmoid": ("HardSigmoid", 1.0 / 6.0, 0.5),  # Keras 3: relu6(x + 3) / 6
    "elu": ("Elu", 1.0, None),
    "linear": ("Affine", 1.0, 0.0),
}
_LSTM_TO_ONNX = [0, 3, 1, 2]  # ONNX's (i, o, f, c) from Keras's (i, f, c, o)


def _kind(layer):
    return next(cls for cls in _ONNX_OP if isinstance(layer, cls))


def _activations(who: str, config: dict, kind) -> list:
    names = [config["activation"]]
    if kind is LSTM:  # f (gates), g (cell input), h (cell output)
        names = [config["recurrent_activation"], config["activation"], config["activation"]]
    elif kind is GRU:  # f (gates), g (candidate)
        names = [config["recurrent_activation"], config["activation"]]
    out = []
    for name in names:
        if str(name) not in _ACTIVATIONS:
            raise NotImplementedError(
                f"{who}: activation {str(name)!r} has no ONNX recurrent-op equivalent; "
                f"exportable: {', '.join(sorted(_ACTIVATIONS))}"
            )
        out.append(_ACTIVATIONS[str(name)])
    return out


def _onnx_weights(layer, kind, units: int):
    """(W, R, B) in ONNX's layout, each with the leading num_directions axis of 1."""
    config = layer.get_config()
    weights = layer.get_weights()
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if config["use_bias"] else None
    if kind is LSTM:
        order = np.concatenate([np.arange(g * units, (g + 1) * units) for g in _LSTM_TO_ONNX])
        kernel, recurrent = kernel[:, order], recurrent[:, order]
        bias = None if bias is None else bias[order]
    if bias is None:
        b = None
    elif kind is GRU:  # (2, 3U): input bias, recurrent bias
        b = bias.reshape(-1)
    else:
        b = np.concatenate([bias, np.zeros_like(bias)])
    return kernel.T[None], recurrent.T[None], None if b is None else b[None]


def run_recurrent(b, layer, x: str, states: list, base: str, who: str) -> list:
    """The layer's outputs on x (batch, time, features): [output, *states] (Keras's order)."""
    kind = _kind(layer)
    config = layer.get_config()
    if kind is GRU and not config.get("reset_after", True):
        raise NotImplementedError(f"{who}: a GRU with reset_after=False cannot be exported yet")
    units = int(config["units"])
    W, R, B = _onnx_weights(layer, kind, units)
    acts = _activations(who, config, kind)
    xt = b.transpose(x, [1, 0, 2], f"{base}/time_major")
    if config["go_backwards"]:
        xt = b.reverse(xt, 0, base)
    inputs = [
        xt,
        b.const(W, f"{base}/W"),
        b.const(R, f"{base}/R"),
        "" if B is None else b.const(B, f"{base}/B"),
        "",  # sequence_lens: every sequence runs to the end
        *[b.unsqueeze(s, [0], f"{base}/initial_state") for s in states],
    ]
    while inputs[-1] == "":
        inputs.pop()
    attrs = {
        "hidden_size": units,
        "activations": [a[0] for a in acts],
    }
    alphas = [a[1] for a in acts if a[1] is not None]
    betas = [a[2] for a in acts if a[2] is not None]
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    if kind is GRU:
        attrs["linear_before_reset"] = 1
    n_out = 3 if kind is LSTM else 2
    outs = b.op(_ONNX_OP[kind], inputs, base, outputs=n_out, **attrs)
    if config["return_sequences"]:  # Y: (time, 1, batch, units)
        y = b.transpose(b.squeeze(outs[0], [1], base), [1, 0, 2], f"{base}/batch_major")
    else:
        y = b.squeeze(outs[1], [0], base)
    if not config["return_state"]:
        return [y]
    return [y, *[b.squeeze(s, [0], f"{base}/state") for s in outs[1:]]]


def recurrent(b, call):
    return run_recurrent(b, call.layer, call.inputs[0], call.inputs[1:], call.base, call.who)


def bidirectional(b, call):
    layer = call.layer
    if len(call.inputs) != 1:
        raise NotImplementedError(f"{call.who}: initial states cannot be exported to ONNX yet")
    forward = layer.forward_layer
    backward = layer.backward_layer
    fw = run_recurrent(b, forward, call.inputs[0], [], f"{call.base}/forward", call.who)[0]
    bw = run_recurrent(b, backward, call.inputs[0], [], f"{call.base}/backward", call.who)[0]
    if backward.get_config()["return_sequences"]:  # align the backward outputs in time
        bw = b.reverse(bw, 1, f"{call.base}/align")
    mode = layer.get_config()["merge_mode"]
    if mode == "concat":
        return [b.op("Concat", [fw, bw], call.base, axis=-1)]
    if mode == "sum":
        return [b.op("Add", [fw, bw], call.base)]
    if mode == "mul":
        return [b.op("Mul", [fw, bw], call.base)]
    return [b.op("Mean", [fw, bw], call.base)]


CONVERTERS = {SimpleRNN: recurrent, LSTM: recurrent, GRU: recurrent, Bidirectional: bidirectional}
