"""SimpleRNN / LSTM / GRU: the fused sequence op and the layers against PyTorch CPU (gate order
mapped explicitly), a float64 numpy reference with finite differences, masks, dropout, errors."""

import numpy as np
import pytest

import nerve
from nerve import _core, layers

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


# ---------------------------------------------------------------- float64 numpy reference
def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def ref_rnn(
    cell, x, W, R, b, h0=None, c0=None, mask=None, ikeep=None, rkeep=None, go_backwards=False
):
    """Packed [B, T+2, U] like rnn_sequence: outputs in processing order, last h, last c."""
    B, T, _ = x.shape
    U = R.shape[0]
    h = np.zeros((B, U)) if h0 is None else h0.astype(np.float64)
    c = np.zeros((B, U)) if c0 is None else c0.astype(np.float64)
    outs = []
    for t in range(T - 1, -1, -1) if go_backwards else range(T):
        xt = x[:, t] * (1 if ikeep is None else ikeep)
        hd = h * (1 if rkeep is None else rkeep)
        if cell == "LSTM":
            z = xt @ W + hd @ R + (0 if b is None else b)
            i, f, g, o = (
                _sig(z[:, :U]),
                _sig(z[:, U : 2 * U]),
                np.tanh(z[:, 2 * U : 3 * U]),
                _sig(z[:, 3 * U :]),
            )
            c_new = f * c + i * g
            h_new = o * np.tanh(c_new)
        elif cell == "GRU":
            xz = xt @ W + (0 if b is None else b[0])
            rz = hd @ R + (0 if b is None else b[1])
            z = _sig(xz[:, :U] + rz[:, :U])
            r = _sig(xz[:, U : 2 * U] + rz[:, U : 2 * U])
            hh = np.tanh(xz[:, 2 * U :] + r * rz[:, 2 * U :])
            h_new, c_new = z * h + (1 - z) * hh, c
        else:
            h_new, c_new = np.tanh(xt @ W + hd @ R + (0 if b is None else b)), c
        m = 1.0 if mask is None else mask[:, t][:, None]
        h = m * h_new + (1 - m) * h
        c = m * c_new + (1 - m) * c
        outs.append(h)
    last_c = c if cell == "LSTM" else np.zeros_like(c)
    return np.concatenate([np.stack(outs, 1), h[:, None], last_c[:, None]], 1)


def _params(rng, cell, B, T, F, U, scale=0.5):
    G = GATES[cell]
    x = rng.standard_normal((B, T, F))
    W = rng.standard_normal((F, G * U)) * scale
    R = rng.standard_normal((U, G * U)) * scale
    b = rng.standard_normal((2, G * U) if cell == "GRU" else (G * U,)) * scale
    return x, W, R, b


def _run_nerve(
    cell, arrays, names, go_backwards=False, mask=None, ikeep=None, rkeep=None, grad=None
):
    """rnn_sequence on float32 copies; returns (output, {name: gradient})."""
    ts = {
        k: _core.Tensor(np.asarray(arrays[k], np.float32), True)
        for k in names
        if arrays.get(k) is not None
    }
    f32 = lambda a: None if a is None else np.asarray(a, np.float32)
    out = _core.ops.rnn_sequence(
        cell,
        ts["x"],
        ts["W"],
        ts["R"],
        ts.get("b"),
        ts.get("h0"),
        ts.get("c0"),
        f32(mask),
        f32(ikeep),
        f32(rkeep),
        go_backwards=go_backwards,
    )
    o = np.array(out)
    if grad is not None:
        out.backward(_core.Tensor(np.asarray(grad, np.float32)))
    return o, {k: (None if t.grad is None else np.array(t.grad)) for k, t in ts.items()}


# ---------------------------------------------------------------- finite differences
@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("with_mask", [False, True])
def test_gradients_match_finite_differences(cell, go_backwards, with_mask):
    rng = np.random.default_rng(1)
    B, T, F, U = 2, 4, 3, 2
    x, W, R, b = _params(rng, cell, B, T, F, U)
    arrays = {"x": x, "W": W, "R": R, "b": b, "h0": rng.standard_normal((B, U)) * 0.5}
    if cell == "LSTM":
        arrays["c0"] = rng.standard_normal((B, U)) * 0.5
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], np.float64) if with_mask else None
    G = rng.standard_normal((B, T + 2, U))
    if cell != "LSTM":
        G[:, T + 1] = 0
    names = list(arrays)
    # Round the inputs to float32 first so both sides see the same numbers.
    arrays = {k: np.asarray(v, np.float32).astype(np.float64) for k, v in arrays.items()}
    out, grads = _run_nerve(cell, arrays, names, go_backwards, mask, grad=G)

    def loss(a):
        return float(
            (
                ref_rnn(
                    cell,
                    a["x"],
                    a["W"],
                    a["R"],
                    a["b"],
                    a["h0"],
                    a.get("c0"),
                    mask,
                    go_backwards=go_backwards,
                )
                * G
            ).sum()
        )

    np.testing.assert_allclose(
        out,
        ref_rnn(
            cell,
            arrays["x"],
            arrays["W"],
            arrays["R"],
            arrays["b"],
            arrays["h0"],
            arrays.get("c0"),
            mask,
            go_backwards=go_backwards,
        ),
        rtol=1e-5,
        atol=1e-5,
    )
    eps = 1e-6
    for k in names:
        num = np.zeros_like(arrays[k])
        for idx in np.ndindex(arrays[k].shape):
            plus = {n: v.copy() for n, v in arrays.items()}
            minus = {n: v.copy() for n, v in arrays.items()}
            plus[k][idx] += eps
            minus[k][idx] -= eps
            num[idx] = (loss(plus) - loss(minus)) / (2 * eps)
        np.testing.assert_allclose(grads[k], num, rtol=1e-3, atol=1e-4, err_msg=f"{cell} d{k}")


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_dropout_multipliers_forward_and_gradients(cell):
    rng = np.random.default_rng(2)
    B, T, F, U = 2, 3, 3, 2
    x, W, R, b = _params(rng, cell, B, T, F, U)
    arrays = {
        k: np.asarray(v, np.float32).astype(np.float64)
        for k, v in {"x": x, "W": W, "R": R, "b": b}.items()
    }
    ikeep = np.array([[2.0, 0.0, 2.0], [0.0, 2.0, 2.0]])
    rkeep = np.array([[0.0, 2.0], [2.0, 2.0]])
    G = rng.standard_normal((B, T + 2, U))
    out, grads = _run_nerve(cell, arrays, ["x", "W", "R", "b"], ikeep=ikeep, rkeep=rkeep, grad=G)
    ref = lambda a: ref_rnn(cell, a["x"], a["W"], a["R"], a["b"], ikeep=ikeep, rkeep=rkeep)
    np.testing.assert_allclose(out[:, : T + 1], ref(arrays)[:, : T + 1], rtol=1e-5, atol=1e-5)
    eps = 1e-6
    for k in ("x", "R"):
        num = np.zeros_like(arrays[k])
        for idx in np.ndindex(arrays[k].shape):
            p = {n: v.copy() for n, v in arrays.items()}
            m = {n: v.copy() for n, v in arrays.items()}
            p[k][idx] += eps
            m[k][idx] -= eps
            num[idx] = ((ref(p) - ref(m)) * G)[:, : T + (2 if cell == "LSTM" else 1)].sum() / (
                2 * eps
            )
        np.testing.assert_allclose(grads[k], num, rtol=1e-3, atol=1e-4, err_msg=f"{cell} d{k}")


# ---------------------------------------------------------------- PyTorch oracle
def _torch_module(torch, cell, F, U, W, R, b):
    """A torch RNN holding nerve's (Keras-layout) weights. Keras LSTM gates [i, f, c, o] are torch's
    [i, f, g, o]; Keras GRU gates [z, r, h] are torch's [r, z, n] (reset_after == torch's GRU)."""
    T32 = lambda a: torch.tensor(np.ascontiguousarray(a), dtype=torch.float32)
    if cell == "GRU":
        keras_to_torch = lambda a: np.concatenate(
            [a[..., U : 2 * U], a[..., :U], a[..., 2 * U :]], -1
        )
        m = torch.nn.GRU(F, U, batch_first=True)
        m.bias_ih_l0.data = T32(keras_to_torch(b[0]))
        m.bias_hh_l0.data = T32(keras_to_torch(b[1]))
    else:
        keras_to_torch = lambda a: a  # LSTM: same order; SimpleRNN: one gate
        m = (torch.nn.LSTM if cell == "LSTM" else torch.nn.RNN)(F, U, batch_first=True)
        m.bias_ih_l0.data = T32(b)
        m.bias_hh_l0.data.zero_()
    m.weight_ih_l0.data = T32(keras_to_torch(W).T)
    m.weight_hh_l0.data = T32(keras_to_torch(R).T)
    return m, keras_to_torch


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 5, 4, 6), (8, 17, 9, 33), (40, 6, 5, 7)])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_op_matches_torch(cell, shape, go_backwards):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    B, T, F, U = shape
    # weights ~ 1/sqrt(fan-in) keep long sequences well conditioned (float32 vs float32 here)
    scale = min(0.5, 1.5 / np.sqrt(F + U))
    x, W, R, b = (a.astype(np.float32) for a in _params(rng, cell, B, T, F, U, scale))
    h0 = (rng.standard_normal((B, U)) * 0.5).astype(np.float32)
    c0 = (rng.standard_normal((B, U)) * 0.5).astype(np.float32)
    arrays = {"x": x, "W": W, "R": R, "b": b, "h0": h0}
    if cell == "LSTM":
        arrays["c0"] = c0
    G = rng.standard_normal((B, T + 2, U)).astype(np.float32)
    if cell != "LSTM":
        G[:, T + 1] = 0
    out, grads = _run_nerve(cell, arrays, list(arrays), go_backwards, grad=G)

    m, k2t = _torch_module(torch, cell, F, U, W, R, b)
    xt = torch.tensor(x[:, ::-1].copy() if go_backwards else x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    c0t = torch.tensor(c0[None], requires_grad=True)
    y, st = m(xt, (h0t, c0t) if cell == "LSTM" else h0t)
    h = st[0][0] if cell == "LSTM" else st[0]
    np.testing.assert_allclose(out[:, :T], y.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out[:, T], h.detach().numpy(), rtol=1e-4, atol=1e-5)
    loss = (y * torch.tensor(G[:, :T])).sum() + (h * torch.tensor(G[:, T])).sum()
    if cell == "LSTM":
        np.testing.assert_allclose(out[:, T + 1], st[1][0].detach().numpy(), rtol=1e-4, atol=1e-5)
        loss = loss + (st[1][0] * torch.tensor(G[:, T + 1])).sum()
    loss.backward()
    dx = xt.grad.numpy()[:, ::-1] if go_backwards else xt.grad.numpy()
    tol = dict(rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(grads["x"], dx, **tol)
    np.testing.assert_allclose(k2t(grads["W"]), m.weight_ih_l0.grad.numpy().T, **tol)
    np.testing.assert_allclose(k2t(grads["R"]), m.weight_hh_l0.grad.numpy().T, **tol)
    np.testing.assert_allclose(grads["h0"], h0t.grad.numpy()[0], **tol)
    if cell == "GRU":
        np.testing.assert_allclose(k2t(grads["b"][0]), m.bias_ih_l0.grad.numpy(), **tol)
        np.testing.assert_allclose(k2t(grads["b"][1]), m.bias_hh_l0.grad.numpy(), **tol)
    else:
        np.testing.assert_allclose(grads["b"], m.bias_ih_l0.grad.numpy(), **tol)
    if cell == "LSTM":
        np.testing.assert_allclose(grads["c0"], c0t.grad.numpy()[0], **tol)


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
def test_masked_steps_match_torch_cells(cell):
    """Masked steps carry the state: compared with torch cells stepped with torch.where."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    B, T, F, U = 36, 6, 3, 5  # >= 32 rows: the batch is split across threads
    x, W, R, b = (a.astype(np.float32) for a in _params(rng, cell, B, T, F, U))
    mask = (rng.random((B, T)) > 0.4).astype(np.float32)
    mask[0] = 0  # a fully masked sample keeps its initial state
    G = rng.standard_normal((B, T + 2, U)).astype(np.float32)
    if cell != "LSTM":
        G[:, T + 1] = 0
    out, grads = _run_nerve(
        cell, {"x": x, "W": W, "R": R, "b": b}, ["x", "W", "R", "b"], mask=mask, grad=G
    )

    m, _ = _torch_module(torch, cell, F, U, W, R, b)
    Cell = {"LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell, "SimpleRNN": torch.nn.RNNCell}[cell]
    c = Cell(F, U)
    for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(c, n).data = getattr(m, n + "_l0").data.clone()
    xt = torch.tensor(x, requires_grad=True)
    h = torch.zeros(B, U)
    cs = torch.zeros(B, U)
    outs = []
    for t in range(T):
        keep = torch.tensor(mask[:, t : t + 1]) > 0
        if cell == "LSTM":
            hn, cn = c(xt[:, t], (h, cs))
            cs = torch.where(keep, cn, cs)
        else:
            hn = c(xt[:, t], h)
        h = torch.where(keep, hn, h)
        outs.append(h)
    y = torch.stack(outs, 1)
    np.testing.assert_allclose(out[:, :T], y.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert np.all(out[0, : T + 1] == 0)  # never updated
    loss = (y * torch.tensor(G[:, :T])).sum() + (h * torch.tensor(G[:, T])).sum()
    if cell == "LSTM":
        loss = loss + (cs * torch.tensor(G[:, T + 1])).sum()
    loss.backward()
    np.testing.assert_allclose(grads["x"], xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    keras_to_torch = _torch_module(torch, cell, F, U, W, R, b)[1]
    np.testing.assert_allclose(
        keras_to_torch(grads["W"]), c.weight_ih.grad.numpy().T, rtol=1e-3, atol=1e-4
    )
    np.testing.assert_allclose(
        keras_to_torch(grads["R"]), c.weight_hh.grad.numpy().T, rtol=1e-3, atol=1e-4
    )


# ---------------------------------------------------------------- layers
@pytest.mark.parametrize(
    "cls,cell", [(layers.LSTM, "LSTM"), (layers.GRU, "GRU"), (layers.SimpleRNN, "SimpleRNN")]
)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_layer_matches_torch(cls, cell, return_sequences, go_backwards):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    B, T, F, U = 4, 7, 5, 8
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    layer = cls(U, return_sequences=return_sequences, return_state=True, go_backwards=go_backwards)
    h0 = rng.standard_normal((B, U)).astype(np.float32)
    c0 = rng.standard_normal((B, U)).astype(np.float32)
    init = [h0, c0] if cell == "LSTM" else [h0]
    outs = layer(x, initial_state=init)
    W, R, b = layer.get_weights()
    assert W.shape == (F, GATES[cell] * U) and R.shape == (U, GATES[cell] * U)
    m, _ = _torch_module(torch, cell, F, U, W, R, b)
    xin = torch.tensor(x[:, ::-1].copy() if go_backwards else x)
    with torch.no_grad():
        y, st = m(
            xin,
            (torch.tensor(h0[None]), torch.tensor(c0[None]))
            if cell == "LSTM"
            else torch.tensor(h0[None]),
        )
    states = [st[0][0], st[1][0]] if cell == "LSTM" else [st[0]]
    want = y.numpy() if return_sequences else states[0].numpy()
    assert len(outs) == 1 + len(states)
    np.testing.assert_allclose(outs[0], want, rtol=1e-4, atol=1e-5)
    for got, s in zip(outs[1:], states):
        np.testing.assert_allclose(got, s.numpy(), rtol=1e-4, atol=1e-5)


def test_keras_initial_weights():
    lstm = layers.LSTM(4)
    lstm.build((3, 2))
    W, R, b = lstm.get_weights()
    np.testing.assert_allclose(
        R @ R.T, np.eye(4), atol=1e-5
    )  # orthogonal rows: (4, 16) semi-orthogonal
    np.testing.assert_array_equal(
        b, np.r_[np.zeros(4), np.ones(4), np.zeros(8)]
    )  # unit_forget_bias
    gru = layers.GRU(3)
    gru.build((5, 2))
    assert [w.shape for w in gru.get_weights()] == [(2, 9), (3, 9), (2, 9)]


def test_embedding_mask_skips_padding_in_sequential():
    """Post-padded sequences give the same last state as the unpadded ones."""
    rng = np.random.default_rng(6)
    model = nerve.Sequential(
        [nerve.Input((6,)), layers.Embedding(10, 4, mask_zero=True), layers.LSTM(5)]
    )
    ids = rng.integers(1, 10, (3, 6)).astype(np.float32)
    lengths = [6, 3, 1]
    padded = ids.copy()
    for i, n in enumerate(lengths):
        padded[i, n:] = 0
    got = model.predict(padded)
    emb, lstm = model.layers
    for i, n in enumerate(lengths):
        e = emb.get_weights()[0][ids[i : i + 1, :n].astype(int)]
        np.testing.assert_allclose(got[i], lstm(e)[0], rtol=1e-5, atol=1e-6)
    # a pre-padded batch too (masked steps at the start carry the zero state)
    pre = np.zeros_like(ids)
    pre[1, 3:] = ids[1, :3]
    np.testing.assert_allclose(model.predict(pre[1:2])[0], got[1], rtol=1e-5, atol=1e-6)


def test_dropout_only_in_training_and_reproducible():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 5, 3)).astype(np.float32)
    layer = layers.LSTM(6, dropout=0.5, recurrent_dropout=0.3, return_sequences=True)
    a = layer(x)
    np.testing.assert_array_equal(a, layer(x))  # inference: deterministic, no dropout
    t1, t2 = layer(x, training=True), layer(x, training=True)
    assert not np.allclose(t1, a) and not np.allclose(t1, t2)  # a fresh mask per training call
    assert np.isfinite(t1).all()


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_seed_fixes_the_dropout_masks(cls):
    """Keras's seed= seeds the dropout masks: two layers with the same seed and weights drop the
    same units, whatever their build seeds; another seed drops others."""
    x = np.random.default_rng(3).standard_normal((4, 5, 3)).astype(np.float32)

    def first_training_call(seed):
        layer = cls(6, dropout=0.5, recurrent_dropout=0.3, seed=seed)
        layer(x)  # built with a fresh build seed each time
        layer.set_weights(reference.get_weights())
        return layer(x, training=True)

    reference = cls(6, seed=11)
    reference(x)
    np.testing.assert_array_equal(first_training_call(11), first_training_call(11))
    assert not np.allclose(first_training_call(11), first_training_call(12))
    assert cls(6, seed=11).get_config()["seed"] == 11


def test_rnn_trains_in_sequential():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((256, 8, 2)).astype(np.float32)
    y = (x[:, :, 0].sum(1) > 0).astype(np.float32)
    model = nerve.Sequential(
        [nerve.Input((8, 2)), layers.GRU(16), layers.Dense(1, activation="sigmoid")]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.9


# ---------------------------------------------------------------- bad input
def test_two_dimensional_input_is_a_clear_error():
    layer = layers.LSTM(4)
    with pytest.raises(ValueError, match=r"LSTM 'lstm.*3-D input.*\(3, 5\)"):
        layer(np.zeros((3, 5), np.float32))
    model = nerve.Sequential([nerve.Input((5,)), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"GRU .*3-D input .*\(None, 3\)"):
        model.add(layers.GRU(2))


def test_mask_of_wrong_length_is_a_clear_error():
    layer = layers.SimpleRNN(3)
    x = np.zeros((2, 5, 4), np.float32)
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\) .*expected \(2, 5\)"):
        layer(x, mask=np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 5\)"):
        _core.ops.rnn_sequence(
            "SimpleRNN",
            x,
            np.zeros((4, 3), np.float32),
            np.zeros((3, 3), np.float32),
            mask=np.ones((2, 4), np.float32),
        )


def test_bad_states_and_weights_are_clear_errors():
    layer = layers.LSTM(3)
    x = np.zeros((2, 5, 4), np.float32)
    with pytest.raises(ValueError, match=r"initial h must have shape \(2, 3\)"):
        layer(x, initial_state=[np.zeros((2, 4)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="initial_state has 3 arrays"):
        layer(x, initial_state=[np.zeros((2, 3))] * 3)
    with pytest.raises(ValueError, match=r"kernel of shape \(5, 12\) does not match input"):
        _core.ops.rnn_sequence(
            "LSTM", x, np.zeros((5, 12), np.float32), np.zeros((3, 12), np.float32)
        )
    with pytest.raises(ValueError, match="units must be a positive int"):
        layers.GRU(0)
    with pytest.raises(ValueError, match=r"dropout must be a float in \[0, 1\)"):
        layers.LSTM(3, dropout=1.0)
    with pytest.raises(ValueError, match="not supported in a recurrent cell"):
        layers.LSTM(3, activation="glu")


@pytest.mark.slow
def test_lstm_learns_mnist_rows_subset():
    """Real data: MNIST rows as 28 timesteps; a short run on a subset must clearly learn."""
    import os

    if not os.environ.get("NERVE_DATASETS"):
        pytest.skip("NERVE_DATASETS is unset: no dataset files to train on")
    (x_train, y_train), (x_test, y_test) = nerve.datasets.mnist.load_data()
    x_train = x_train[:8000].astype(np.float32) / 255.0
    x_test = x_test[:2000].astype(np.float32) / 255.0
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [nerve.Input((28, 28)), layers.LSTM(64), layers.Dense(10, activation="softmax")]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train[:8000], batch_size=64, epochs=2, verbose=0)
    assert model.evaluate(x_test, y_test[:2000], verbose=0)[1] > 0.8
