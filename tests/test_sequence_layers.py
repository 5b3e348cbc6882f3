"""Embedding, PositionEmbedding, Conv1D, MaxPooling1D, GlobalAveragePooling1D,
LayerNormalization, TimeDistributed, Bidirectional and the slicing ops: against PyTorch where it
has the op, float64 numpy otherwise, finite differences for gradients, and bad-input errors."""

import numpy as np
import pytest

import nerve
from nerve import _core, layers


def _grads(fn, arrays, G):
    """Runs fn(*tensors) with requires_grad inputs, backpropagates G, returns (out, grads)."""
    ts = [_core.Tensor(np.asarray(a, np.float32), True) for a in arrays]
    out = fn(*ts)
    o = np.array(out)
    out.backward(_core.Tensor(np.asarray(G, np.float32)))
    return o, [None if t.grad is None else np.array(t.grad) for t in ts]


def _fd(ref, arrays, G, i, eps=1e-6):
    num = np.zeros_like(arrays[i])
    for idx in np.ndindex(arrays[i].shape):
        p = [a.copy() for a in arrays]
        m = [a.copy() for a in arrays]
        p[i][idx] += eps
        m[i][idx] -= eps
        num[idx] = ((ref(*p) - ref(*m)) * G).sum() / (2 * eps)
    return num


def _f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32).astype(np.float64)


# ---------------------------------------------------------------- Embedding
def test_embedding_lookup_gradient_and_mask():
    rng = np.random.default_rng(0)
    ids = np.array([[1, 2, 2, 0], [3, 0, 0, 0]], np.float32)
    table = _f32(rng, 5, 3)
    G = rng.standard_normal((2, 4, 3))
    out, (_, dt) = _grads(_core.ops.embedding, [ids, table], G)
    np.testing.assert_allclose(out, table[ids.astype(int)], rtol=1e-6)
    want = np.zeros_like(table)
    np.add.at(want, ids.astype(int), G)  # repeated ids accumulate
    np.testing.assert_allclose(dt, want, rtol=1e-5, atol=1e-6)
    layer = layers.Embedding(5, 3, mask_zero=True)
    assert layer(ids).shape == (2, 4, 3)
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    t = layer._core(_core.Tensor(ids), False)
    np.testing.assert_array_equal(np.array(t.mask), (ids != 0).astype(np.float32))


def test_embedding_bad_ids_are_clear_errors():
    layer = layers.Embedding(4, 2)
    with pytest.raises(
        ValueError, match=r"Embedding 'embedding.*index 4.* not an integer in \[0, 4\)"
    ):
        layer(np.array([[1, 4]]))
    with pytest.raises(ValueError, match="index 1.5"):
        layer(np.array([[1.5, 0]]))
    with pytest.raises(ValueError, match="index -1"):
        layer(np.array([[-1, 0]]))


def test_position_embedding():
    rng = np.random.default_rng(1)
    x, table = _f32(rng, 2, 3, 4), _f32(rng, 5, 4)
    G = rng.standard_normal((2, 3, 4))
    out, (dx, dt) = _grads(_core.ops.add_position_embedding, [x, table], G)
    np.testing.assert_allclose(out, x + table[:3], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dx, G, rtol=1e-6)
    np.testing.assert_allclose(dt, np.r_[G.sum(0), np.zeros((2, 4))], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="more than sequence_length=2"):
        layers.PositionEmbedding(2).build((3, 4))


# ---------------------------------------------------------------- Conv1D and pooling
@pytest.mark.parametrize(
    "padding,stride,dilation",
    [
        ("valid", 1, 1),
        ("same", 1, 1),
        ("causal", 1, 1),
        ("valid", 2, 1),
        ("same", 2, 1),
        ("valid", 1, 2),
        ("causal", 1, 3),
        ("same", 3, 1),
    ],
)
def test_conv1d_matches_torch(padding, stride, dilation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    B, T, C, F, K = 2, 9, 3, 4, 3
    x = rng.standard_normal((B, T, C)).astype(np.float32)
    layer = layers.Conv1D(F, K, strides=stride, padding=padding, dilation_rate=dilation)
    y = layer(x)
    W, b = layer.get_weights()
    assert W.shape == (K, C, F)
    xt = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    span = (K - 1) * dilation
    if padding == "causal":
        xin, pad = torch.nn.functional.pad(xt, (span, 0)), 0
    elif padding == "same":
        out_len = -(-T // stride)
        total = max((out_len - 1) * stride + span + 1 - T, 0)
        xin, pad = torch.nn.functional.pad(xt, (total // 2, total - total // 2)), 0
    else:
        xin, pad = xt, 0
    Wt = torch.tensor(W.transpose(2, 1, 0).copy(), requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.conv1d(xin, Wt, bt, stride=stride, padding=pad, dilation=dilation)
    np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    G = rng.standard_normal(y.shape).astype(np.float32)
    _, (dx, dW, db) = _grads(
        lambda a, w, c: _core.ops.conv1d(a, w, c, stride, padding, dilation), [x, W, b], G
    )
    (yt * torch.tensor(G.transpose(0, 2, 1))).sum().backward()
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dW, Wt.grad.numpy().transpose(2, 1, 0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "pool,stride,padding", [(2, 2, "valid"), (3, 1, "valid"), (3, 2, "same"), (2, 2, "same")]
)
def test_max_pooling1d_matches_torch(pool, stride, padding):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 7, 3)).astype(np.float32)
    y = layers.MaxPooling1D(pool, stride, padding)(x)
    xt = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    xin = xt
    if padding == "same":
        out_len = -(-7 // stride)
        total = max((out_len - 1) * stride + pool - 7, 0)
        xin = torch.nn.functional.pad(xt, (total // 2, total - total // 2), value=-np.inf)
    yt = torch.nn.functional.max_pool1d(xin, pool, stride)
    np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 1))
    G = rng.standard_normal(y.shape).astype(np.float32)
    _, (dx,) = _grads(lambda a: _core.ops.max_pool1d(a, pool, stride, padding), [x], G)
    (yt * torch.tensor(G.transpose(0, 2, 1))).sum().backward()
    np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 1), rtol=1e-6)


def test_global_average_pooling1d_with_and_without_mask():
    rng = np.random.default_rng(4)
    x = _f32(rng, 3, 5, 2)
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], np.float64)
    G = rng.standard_normal((3, 2))
    out, (dx,) = _grads(lambda a: _core.ops.global_average_pool1d(a), [x], G)
    np.testing.assert_allclose(out, x.mean(1), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dx, np.repeat(G[:, None] / 5, 5, 1), rtol=1e-6)

    def ref(a):
        cnt = mask.sum(1, keepdims=True)
        return np.divide((a * mask[:, :, None]).sum(1), cnt, out=np.zeros((3, 2)), where=cnt > 0)

    out, (dx,) = _grads(
        lambda a: _core.ops.global_average_pool1d(a, mask.astype(np.float32)), [x], G
    )
    np.testing.assert_allclose(out, ref(x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dx, _fd(ref, [x], G, 0), rtol=1e-5, atol=1e-7)
    # the mask arrives from Embedding(mask_zero) inside a model
    model = nerve.Sequential(
        [nerve.Input((4,)), layers.Embedding(6, 2, mask_zero=True), layers.GlobalAveragePooling1D()]
    )
    ids = np.array([[1, 2, 0, 0]], np.float32)
    table = model.layers[0].get_weights()[0]
    np.testing.assert_allclose(model.predict(ids)[0], table[[1, 2]].mean(0), rtol=1e-6)


def test_conv1d_and_pooling_errors():
    with pytest.raises(ValueError, match="padding must be 'valid', 'same' or 'causal'"):
        layers.Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match=r"Conv1D 'conv1d.*3-D input .*\(None, 5\)"):
        layers.Conv1D(2, 3).build((5,))
    with pytest.raises(ValueError, match="shorter than the window"):
        layers.Conv1D(2, 6).build((5, 1))
    with pytest.raises(ValueError, match="3-D input"):
        layers.MaxPooling1D(2).build((5,))


# ---------------------------------------------------------------- LayerNormalization
@pytest.mark.parametrize("center,scale", [(True, True), (False, True), (True, False)])
def test_layer_norm_matches_torch_and_finite_differences(center, scale):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = _f32(rng, 2, 3, 6) * 3 + 1
    gamma, beta = _f32(rng, 6), _f32(rng, 6)
    layer = layers.LayerNormalization(epsilon=1e-3, center=center, scale=scale)
    layer.build((3, 6))
    layer.set_weights([w for w, on in ((gamma, scale), (beta, center)) if on])
    y = layer(x)
    want = torch.nn.functional.layer_norm(
        torch.tensor(x),
        (6,),
        torch.tensor(gamma) if scale else None,
        torch.tensor(beta) if center else None,
        eps=1e-3,
    ).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)

    def ref(a, g, b):
        mu, var = a.mean(-1, keepdims=True), a.var(-1, keepdims=True)
        return (a - mu) / np.sqrt(var + 1e-3) * g + b

    G = rng.standard_normal(x.shape)
    _, grads = _grads(lambda a, g, b: _core.ops.layer_norm(a, g, b, 1e-3), [x, gamma, beta], G)
    for i in range(3):
        np.testing.assert_allclose(grads[i], _fd(ref, [x, gamma, beta], G, i), rtol=1e-3, atol=1e-5)


# ---------------------------------------------------------------- wrappers
def test_time_distributed_dense():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    td = layers.TimeDistributed(layers.Dense(5, activation="tanh"))
    y = td(x)
    W, b = td.get_weights()
    np.testing.assert_allclose(y, np.tanh(x @ W + b), rtol=1e-5, atol=1e-6)
    model = nerve.Sequential([nerve.Input((4, 3)), layers.TimeDistributed(layers.Dense(2))])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, rng.standard_normal((2, 4, 2)).astype(np.float32), epochs=2, verbose=0)
    assert len(model.layers[0].trainable_weights) == 2
    with pytest.raises(ValueError, match="TimeDistributed"):
        layers.TimeDistributed(layers.Dense(2)).build((3,))


@pytest.mark.parametrize("cls,cell", [(layers.LSTM, "LSTM"), (layers.GRU, "GRU")])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_matches_torch(cls, cell, merge_mode, return_sequences):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    B, T, F, U = 3, 5, 4, 6
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    bi = layers.Bidirectional(cls(U, return_sequences=return_sequences), merge_mode=merge_mode)
    y = bi(x)
    w = bi.get_weights()
    assert len(w) == 6
    m = (torch.nn.LSTM if cell == "LSTM" else torch.nn.GRU)(
        F, U, batch_first=True, bidirectional=True
    )
    T_ = lambda a: torch.tensor(np.ascontiguousarray(a), dtype=torch.float32)
    perm = (
        (lambda a: a)
        if cell == "LSTM"
        else (lambda a: np.concatenate([a[..., U : 2 * U], a[..., :U], a[..., 2 * U :]], -1))
    )
    for suffix, (W, R, b) in (("", w[:3]), ("_reverse", w[3:])):
        getattr(m, "weight_ih_l0" + suffix).data = T_(perm(W).T)
        getattr(m, "weight_hh_l0" + suffix).data = T_(perm(R).T)
        if cell == "GRU":
            getattr(m, "bias_ih_l0" + suffix).data = T_(perm(b[0]))
            getattr(m, "bias_hh_l0" + suffix).data = T_(perm(b[1]))
        else:
            getattr(m, "bias_ih_l0" + suffix).data = T_(b)
            getattr(m, "bias_hh_l0" + suffix).data.zero_()
    with torch.no_grad():
        seq, st = m(torch.tensor(x))
    h = st[0] if cell == "LSTM" else st
    if return_sequences:
        f, b_ = seq[..., :U].numpy(), seq[..., U:].numpy()
    else:
        f, b_ = h[0].numpy(), h[1].numpy()
    want = {
        "concat": np.concatenate([f, b_], -1),
        "sum": f + b_,
        "mul": f * b_,
        "ave": (f + b_) / 2,
    }[merge_mode]
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-5)


def test_bidirectional_trains_and_rejects_bad_arguments():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((64, 6, 2)).astype(np.float32)
    y = (x[:, 0, 0] > 0).astype(np.float32)  # needs the first step: easy for the backward direction
    model = nerve.Sequential(
        [
            nerve.Input((6, 2)),
            layers.Bidirectional(layers.SimpleRNN(8)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.9
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(
        ValueError, match=r"Bidirectional '\w+': merge_mode must be one of .*got 'None'"
    ):
        layers.Bidirectional(layers.LSTM(2), merge_mode=None)
    with pytest.raises(TypeError, match="expected a SimpleRNN, LSTM or GRU"):
        layers.Bidirectional(layers.Dense(2))


# ---------------------------------------------------------------- slicing ops
def test_narrow_concat_reverse_gradients():
    rng = np.random.default_rng(9)
    a, b = _f32(rng, 2, 3, 4), _f32(rng, 2, 3, 2)
    G = rng.standard_normal((2, 3, 6))
    out, (da, db) = _grads(lambda x, y: _core.ops.concat([x, y], -1), [a, b], G)
    np.testing.assert_allclose(out, np.concatenate([a, b], -1), rtol=1e-6)
    np.testing.assert_allclose(da, G[..., :4], rtol=1e-6)
    np.testing.assert_allclose(db, G[..., 4:], rtol=1e-6)
    G2 = rng.standard_normal((2, 2, 4))
    out, (da,) = _grads(lambda x: _core.ops.narrow(x, 1, 1, 2), [a], G2)
    np.testing.assert_allclose(out, a[:, 1:3], rtol=1e-6)
    np.testing.assert_allclose(da, np.concatenate([np.zeros((2, 1, 4)), G2], 1), rtol=1e-6)
    G3 = rng.standard_normal(a.shape)
    out, (da,) = _grads(_core.ops.reverse_time, [a], G3)
    np.testing.assert_allclose(out, a[:, ::-1], rtol=1e-6)
    np.testing.assert_allclose(da, G3[:, ::-1], rtol=1e-6)
    with pytest.raises(ValueError, match="outside axis 1"):
        _core.ops.narrow(a.astype(np.float32), 1, 2, 2)
    with pytest.raises(ValueError, match="differ outside axis"):
        _core.ops.concat([a.astype(np.float32), np.zeros((2, 4, 2), np.float32)], -1)
