"""MultiHeadAttention, and the TransformerEncoder block built on it, as ONNX subgraphs: the
projections as MatMul + Add, the heads split by Reshape / Transpose, softmax(q k^T /
sqrt(key_dim)) v per head (a causal mask when the call asked for one), and the output projection
over the heads."""

from __future__ import annotations

import math

import numpy as np

from ..layers import MultiHeadAttention, TransformerEncoder


def _project(b, x: str, kernel, bias, base: str) -> str:
    """x (batch, time, features) @ kernel (features, heads, dim) + bias -> (batch, heads, time,
    dim)."""
    features, heads, dim = kernel.shape
    y = b.op("MatMul", [x, b.const(kernel.reshape(features, heads * dim), f"{base}/kernel")], base)
    if bias is not None:
        y = b.op("Add", [y, b.const(bias.reshape(heads * dim), f"{base}/bias")], base)
    y = b.op("Reshape", [y, b.ints([0, 0, heads, dim], f"{base}/heads")], base)
    return b.transpose(y, [0, 2, 1, 3], f"{base}/heads_first")


def attend(b, query, value, key, weights, use_bias, key_dim, causal, base) -> str:
    """Keras MultiHeadAttention on ONNX tensors, from its weights in Keras's order (query, key,
    value and output kernels, each followed by its bias when use_bias)."""
    per = 2 if use_bias else 1
    q_w, k_w, v_w, o_w = (weights[i * per : (i + 1) * per] for i in range(4))

    def bias(ws):
        return ws[1] if per == 2 else None

    q = _project(b, query, q_w[0], bias(q_w), f"{base}/query")
    k = _project(b, key, k_w[0], bias(k_w), f"{base}/key")
    v = _project(b, value, v_w[0], bias(v_w), f"{base}/value")
    q = b.scalar_op("Mul", q, 1.0 / math.sqrt(key_dim), f"{base}/scale")
    scores = b.op("MatMul", [q, b.transpose(k, [0, 1, 3, 2], f"{base}/key_t")], f"{base}/scores")
    if causal:
        # query i sees keys j <= i: the lower triangle of a (Tq, Tv) matrix of ones
        sizes = b.op(
            "Concat",
            [b.dims(q, 2, 3, f"{base}/query_length"), b.dims(k, 2, 3, f"{base}/key_length")],
            f"{base}/mask_shape",
            axis=0,
        )
        ones = b.op(
            "ConstantOfShape",
            [sizes],
            f"{base}/ones",
            value=b.onnx.numpy_helper.from_array(np.ones(1, np.float32)),
        )
        allowed = b.op("Cast", [b.op("Trilu", [ones], f"{base}/causal", upper=0)], base, to=9)
        scores = b.op("Where", [allowed, scores, b.const(-1e9, f"{base}/masked")], f"{base}/mask")
    probs = b.op("Softmax", [scores], f"{base}/probs", axis=-1)
    context = b.transpose(
        b.op("MatMul", [probs, v], f"{base}/context"), [0, 2, 1, 3], f"{base}/time_first"
    )
    heads, dim, out = o_w[0].shape
    context = b.op("Reshape", [context, b.ints([0, 0, heads * dim], f"{base}/merge")], base)
    y = b.op(
        "MatMul",
        [context, b.const(o_w[0].reshape(heads * dim, out), f"{base}/output/kernel")],
        f"{base}/output",
    )
    if per == 2:
        y = b.op("Add", [y, b.const(o_w[1], f"{base}/output/bias")], f"{base}/output")
    return y


def multi_head_attention(b, call):
    config = call.layer.get_config()
    query = call.inputs[0]
    value = call.inputs[1] if len(call.inputs) > 1 else query
    key = call.inputs[2] if len(call.inputs) > 2 else value
    causal = call.call_kwargs.get("use_causal_mask", config["use_causal_mask"])
    weights = call.layer.get_weights()
    key_dim = int(config["key_dim"])
    return [attend(b, query, value, key, weights, config["use_bias"], key_dim, causal, call.base)]


def transformer_encoder(b, call):
    """The post-norm block: LayerNorm(x + attention(x, x)), then LayerNorm(x + FFN(x)). Weights:
    the attention's eight, the first LayerNorm's gamma and beta, the two Dense layers' kernels
    and biases, the second LayerNorm's gamma and beta."""
    config = call.layer.get_config()
    w = call.layer.get_weights()
    base, x = call.base, call.inputs[0]
    eps = float(config["layer_norm_epsilon"])
    causal = bool(config["use_causal_mask"])
    attn = attend(b, x, x, x, w[:8], True, int(config["key_dim"]), causal, f"{base}/attention")

    def norm(h, gamma, beta, name):
        scale, shift = b.const(gamma, f"{base}/{name}/gamma"), b.const(beta, f"{base}/{name}/beta")
        inputs = [h, scale, shift]
        return b.op("LayerNormalization", inputs, f"{base}/{name}", axis=-1, epsilon=eps)

    h = norm(b.op("Add", [x, attn], f"{base}/residual1"), w[8], w[9], "norm1")
    ff = b.op("MatMul", [h, b.const(w[10], f"{base}/ff1/kernel")], f"{base}/ff1")
    ff = b.op("Relu", [b.op("Add", [ff, b.const(w[11], f"{base}/ff1/bias")], f"{base}/ff1")], base)
    ff = b.op("MatMul", [ff, b.const(w[12], f"{base}/ff2/kernel")], f"{base}/ff2")
    ff = b.op("Add", [ff, b.const(w[13], f"{base}/ff2/bias")], f"{base}/ff2")
    return [norm(b.op("Add", [h, ff], f"{base}/residual2"), w[14], w[15], "norm2")]


CONVERTERS = {MultiHeadAttention: multi_head_attention, TransformerEncoder: transformer_encoder}
