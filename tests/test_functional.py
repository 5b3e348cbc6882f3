"""Functional models: nerve.Input, layers called on symbolic tensors, nerve.Model(inputs,
outputs) with several inputs/outputs, shared layers, merge layers, loss_weights, summary."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(1234)


def _np_dense(x, layer, act=None):
    w, b = layer.get_weights()
    y = x.astype(np.float64) @ w.astype(np.float64) + b
    return np.maximum(y, 0) if act == "relu" else y


# ---- merge layers: forward against numpy, gradients against finite differences -------------

MERGES = {
    "Add": (L.Add, lambda xs: sum(xs)),
    "Subtract": (L.Subtract, lambda xs: xs[0] - xs[1]),
    "Multiply": (L.Multiply, lambda xs: np.prod(np.stack(xs), axis=0)),
    "Average": (L.Average, lambda xs: sum(xs) / len(xs)),
    "Concatenate": (L.Concatenate, lambda xs: np.concatenate(xs, axis=-1)),
}


@pytest.mark.parametrize(
    "name,n_inputs", [(n, k) for n in MERGES for k in (2, 3) if not (n == "Subtract" and k == 3)]
)
def test_merge_forward_matches_numpy(name, n_inputs):
    cls, ref = MERGES[name]
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((5, 3, 4)).astype(np.float32) for _ in range(n_inputs)]
    out = cls()(xs)
    np.testing.assert_allclose(out, ref([x.astype(np.float64) for x in xs]), rtol=1e-6, atol=1e-6)


def _finite_difference_check(cls, shapes, **kwargs):
    """Gradient of sum(w * layer(xs)) w.r.t. every input, C++ autograd vs central differences
    of a float64 numpy reference computed through the layer itself (float32) at h=1e-2."""
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s) for s in shapes]
    layer = cls(**kwargs)
    out_shape = layer([x.astype(np.float32) for x in xs]).shape
    w = rng.standard_normal(out_shape)
    ts = [nerve.Tensor(x.astype(np.float32), requires_grad=True) for x in xs]
    with nerve.GradientTape() as tape:
        y = layer(ts)
        loss = nerve.ops.sum(nerve.ops.mul(y, nerve.Tensor(w.astype(np.float32))))
    grads = tape.gradient(loss, ts)

    def f(arrays):
        return float(
            (np.asarray(layer([a.astype(np.float32) for a in arrays]), np.float64) * w).sum()
        )

    h = 1e-2
    for k, x in enumerate(xs):
        num = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus = [a.copy() for a in xs]
            minus = [a.copy() for a in xs]
            plus[k][idx] += h
            minus[k][idx] -= h
            num[idx] = (f(plus) - f(minus)) / (2 * h)
        np.testing.assert_allclose(np.asarray(grads[k]), num, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("name", ["Add", "Subtract", "Multiply", "Average"])
def test_merge_gradients_finite_differences(name):
    shapes = [(2, 3), (2, 3)] if name == "Subtract" else [(2, 3), (2, 3), (2, 3)]
    _finite_difference_check(MERGES[name][0], shapes)


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_concatenate_gradients_finite_differences(axis):
    shapes = [(2, 3, 2), (2, 1, 2)] if axis == 1 else [(2, 2, 3), (2, 2, 1)]
    _finite_difference_check(L.Concatenate, shapes, axis=axis)


def test_merge_layers_agree_with_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a, b = (rng.standard_normal((4, 6)).astype(np.float32) for _ in range(2))
    ta, tb = torch.tensor(a), torch.tensor(b)
    np.testing.assert_allclose(L.Concatenate(axis=1)([a, b]), torch.cat([ta, tb], 1).numpy())
    np.testing.assert_allclose(L.Multiply()([a, b]), (ta * tb).numpy(), rtol=1e-6)
    np.testing.assert_allclose(L.Average()([a, b]), ((ta + tb) / 2).numpy(), rtol=1e-6)


def test_merge_shape_errors_name_the_layer_and_shapes():
    a, b = nerve.Input((4,)), nerve.Input((5,))
    with pytest.raises(ValueError, match=r"Add 'bad_add'.*\(None, 4\).*\(None, 5\)"):
        L.Add(name="bad_add")([a, b])
    with pytest.raises(ValueError, match="exactly 2"):
        L.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="at least 2"):
        L.Add()(a)
    with pytest.raises(ValueError, match="match on every axis"):
        L.Concatenate(axis=1)([nerve.Input((2, 3)), nerve.Input((2, 4))])
    with pytest.raises(ValueError, match="batch axis"):
        L.Concatenate(axis=0)
    with pytest.raises(ValueError, match="out of range"):
        L.Concatenate(axis=3)([nerve.Input((2,)), nerve.Input((2,))])


# ---- graphs ---------------------------------------------------------------------------------


def test_symbolic_tensors_and_input():
    x = nerve.Input((784,), name="pixels")
    assert x.shape == (None, 784)
    d = L.Dense(10)
    y = d(x)
    assert y.shape == (None, 10) and d.built and d.input is x and d.output is y
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(y)


def test_residual_mlp_matches_numpy_and_trains():
    inp = nerve.Input((6,))
    d1, d2, d3 = L.Dense(6, activation="relu"), L.Dense(6), L.Dense(2)
    h = d1(inp)
    r = L.Add()([d2(h), inp])  # skip connection
    out = d3(r)
    model = nerve.Model(inp, out)
    x = np.random.default_rng(3).standard_normal((8, 6)).astype(np.float32)
    want = _np_dense(_np_dense(_np_dense(x, d1, "relu"), d2) + x, d3)
    np.testing.assert_allclose(model.predict(x), want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model(x), want, rtol=1e-5, atol=1e-5)
    model.compile(optimizer="adam", loss="mse")
    y = np.random.default_rng(4).standard_normal((256, 2)).astype(np.float32) * 0.1
    xs = np.random.default_rng(5).standard_normal((256, 6)).astype(np.float32)
    before = model.evaluate(xs, y, verbose=0)
    model.fit(xs, y, epochs=5, batch_size=32, verbose=0)
    assert model.evaluate(xs, y, verbose=0) < before


def test_shared_layer_uses_one_set_of_weights():
    a, b = nerve.Input((5,)), nerve.Input((5,))
    shared = L.Dense(3)
    out = L.Subtract()([shared(a), shared(b)])
    model = nerve.Model([a, b], out)
    assert len(model.trainable_weights) == 2  # kernel and bias once
    assert [l.name for l in model.layers].count(shared.name) == 1
    rng = np.random.default_rng(6)
    xa, xb = (
        rng.standard_normal((4, 5)).astype(np.float32),
        rng.standard_normal((4, 5)).astype(np.float32),
    )
    w, _ = shared.get_weights()
    np.testing.assert_allclose(model.predict([xa, xb]), (xa - xb) @ w, rtol=1e-4, atol=1e-5)
    # Gradient of a shared layer is the sum over its calls: compare with torch autograd.
    torch = pytest.importorskip("torch")
    model.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    y = rng.standard_normal((4, 3)).astype(np.float32)
    kernel, bias = (torch.tensor(v, requires_grad=True) for v in shared.get_weights())
    pred = (torch.tensor(xa) @ kernel + bias) - (torch.tensor(xb) @ kernel + bias)
    torch.mean((pred - torch.tensor(y)) ** 2).backward()
    model.train_on_batch([xa, xb], y)
    np.testing.assert_allclose(
        shared.get_weights()[0], (kernel - 0.1 * kernel.grad).detach().numpy(), rtol=1e-4, atol=1e-6
    )


def test_shared_layer_on_a_different_shape_is_a_clear_error():
    d = L.Dense(3)
    d(nerve.Input((4,)))
    with pytest.raises(ValueError, match=r"was built for inputs \(None, 4\).*\(None, 5\)"):
        d(nerve.Input((5,)))


def _two_output_model():
    a, b = nerve.Input((4,), name="left"), nerve.Input((3,), name="right")
    h = L.Concatenate()([L.Dense(8, activation="relu")(a), L.Dense(8, activation="relu")(b)])
    cls = L.Dense(3, activation="softmax", name="cls")(h)
    reg = L.Dense(1, name="reg")(h)
    return nerve.Model(inputs=[a, b], outputs=[cls, reg])


def _two_output_data(n=96):
    rng = np.random.default_rng(7)
    xa, xb = (
        rng.standard_normal((n, 4)).astype(np.float32),
        rng.standard_normal((n, 3)).astype(np.float32),
    )
    ycls = (xa[:, 0] > 0).astype(np.int64) + (xb[:, 0] > 0)
    yreg = (xa.sum(1, keepdims=True) - xb.sum(1, keepdims=True)).astype(np.float32)
    return [xa, xb], [ycls, yreg]


def test_multi_input_multi_output_loss_weights_match_numpy():
    model = _two_output_model()
    model.compile(
        optimizer="sgd",
        loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
        loss_weights={"cls": 0.3, "reg": 2.0},
        metrics={"cls": ["accuracy"]},
    )
    xs, ys = _two_output_data()
    logs = model.evaluate(xs, ys, return_dict=True, verbose=0)
    assert list(logs) == ["cls_accuracy", "cls_loss", "loss", "reg_loss"]  # Keras's: sorted
    p_cls, p_reg = model.predict(xs)
    ce = -np.mean(np.log(p_cls[np.arange(len(ys[0])), ys[0]].astype(np.float64)))
    mse = np.mean((p_reg.astype(np.float64) - ys[1]) ** 2)
    assert logs["cls_loss"] == pytest.approx(ce, rel=1e-4)
    assert logs["reg_loss"] == pytest.approx(mse, rel=1e-4)
    assert logs["loss"] == pytest.approx(0.3 * ce + 2.0 * mse, rel=1e-4)
    assert logs["cls_accuracy"] == pytest.approx(np.mean(p_cls.argmax(1) == ys[0]))
    assert model.metrics_names == ["loss", "cls_loss", "reg_loss", "cls_accuracy"]


def test_loss_weights_scale_the_gradient():
    """An output with loss weight 0 does not train its head; weight w scales its update."""
    xs, ys = _two_output_data(32)
    model = _two_output_model()
    model.compile(
        optimizer=nerve.optimizers.SGD(0.05),
        loss=["sparse_categorical_crossentropy", "mse"],
        loss_weights=[1.0, 0.0],
    )
    reg = model.get_layer("reg")
    before = reg.get_weights()
    model.fit(xs, ys, epochs=1, batch_size=8, verbose=0)
    for w0, w1 in zip(before, reg.get_weights()):
        np.testing.assert_array_equal(w0, w1)


def test_multi_output_fit_reduces_both_losses_and_accepts_dicts():
    model = _two_output_model()
    model.compile(
        optimizer="adam",
        loss=["sparse_categorical_crossentropy", "mse"],
        metrics=[["accuracy"], []],
    )
    xs, ys = _two_output_data(256)
    hist = model.fit(
        {"left": xs[0], "right": xs[1]},
        {"cls": ys[0], "reg": ys[1]},
        epochs=8,
        batch_size=32,
        verbose=0,
        validation_split=0.25,
    )
    h = hist.history
    assert set(h) >= {"loss", "cls_loss", "reg_loss", "cls_accuracy", "val_loss", "val_reg_loss"}
    assert h["cls_loss"][-1] < h["cls_loss"][0] and h["reg_loss"][-1] < h["reg_loss"][0]


def test_compile_errors_name_the_outputs():
    model = _two_output_model()
    with pytest.raises(ValueError, match=r"unknown output.*\['cls', 'reg'\]"):
        model.compile(optimizer="sgd", loss={"cls": "mse", "nope": "mse"})
    with pytest.raises(ValueError, match="3 loss entries for a model with 2 output"):
        model.compile(optimizer="sgd", loss=["mse", "mse", "mse"])
    model.compile(optimizer="sgd", loss="mse")
    xs, ys = _two_output_data(8)
    with pytest.raises(ValueError, match="2 x"):
        model.fit(xs[0], ys, verbose=0)


def test_graph_disconnected_is_reported():
    a, b = nerve.Input((3,), name="in_a"), nerve.Input((3,), name="in_b")
    out = L.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*in_b"):
        nerve.Model(a, out)


def test_model_called_on_symbolic_inputs_shares_layers():
    inner_in = nerve.Input((4,))
    encoder = nerve.Model(inner_in, L.Dense(2, name="code")(inner_in))
    a, b = nerve.Input((4,)), nerve.Input((4,))
    outer = nerve.Model([a, b], L.Concatenate()([encoder(a), encoder(b)]))
    x = np.random.default_rng(8).standard_normal((3, 4)).astype(np.float32)
    code = encoder.predict(x)
    np.testing.assert_allclose(outer.predict([x, x]), np.concatenate([code, code], 1), rtol=1e-6)
    assert len(outer.trainable_weights) == 2


def test_layers_are_kept_per_model_and_each_caller_gets_its_own_list():
    # GraphNetwork.units keeps its answer (train_on_batch's checks ask every step): the nested
    # model stands for its layers in the outer model, each model keeps its own answer, and
    # changing a returned list changes nothing kept.
    inner_in = nerve.Input((4,))
    encoder = nerve.Model(inner_in, L.Dense(2, name="code")(inner_in))
    a = nerve.Input((4,))
    outer = nerve.Model(a, L.Dense(1, name="head")(encoder(a)))
    names = [l.name for l in outer.layers]
    assert names[-2:] == [encoder.name, "head"]
    assert [l.name for l in encoder.layers][-1] == "code"
    outer.layers.clear()
    outer.layers.append("not a layer")
    assert [l.name for l in outer.layers] == names
    assert [l.name for l in outer.layers] == names


def test_summary_shows_connections():
    a = nerve.Input((4,), name="x_in")
    h = L.Dense(4, name="h")(a)
    out = L.Add(name="skip")([h, a])
    lines = []
    nerve.Model(a, out, name="resid").summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and 'Model: "resid"' in text
    assert "x_in (InputLayer)" in text and "h[0][0]," in text and "x_in[0][0]" in text
    assert "Total params: 20" in text


def test_sequential_still_accepts_input_and_builds():
    model = nerve.Sequential([nerve.Input((5,)), L.Dense(3)])
    assert model.built and model.output_shape == (None, 3)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((4, 5), np.float32), np.zeros((4, 3), np.float32), verbose=0)


def test_single_output_graph_trains_like_sequential_bit_for_bit():
    """The graph path and the Sequential path run the same C++ steps: same weights after fit."""
    x = np.random.default_rng(9).standard_normal((64, 5)).astype(np.float32)
    y = np.random.default_rng(10).integers(0, 3, 64)

    def run(functional):
        nerve.utils.set_random_seed(42)
        d1, d2 = L.Dense(7, activation="relu"), L.Dense(3, activation="softmax")
        if functional:
            i = nerve.Input((5,))
            m = nerve.Model(i, d2(d1(i)))
        else:
            m = nerve.Sequential([nerve.Input((5,)), d1, d2])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        m.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        return m.get_weights()

    for a, b in zip(run(True), run(False)):
        np.testing.assert_array_equal(a, b)


def test_an_unbuilt_sequential_called_on_a_symbolic_input():
    """Keras's tutorials make `data_augmentation = keras.Sequential([...])` without an Input and
    call it on the functional model's input: it builds for that input's per-sample shape (the
    batch axis dropped), inside the model as Keras builds it; the same outputs as Keras."""
    keras = pytest.importorskip("keras")

    def build(lib):
        block = lib.Sequential([lib.layers.Conv2D(4, 3, activation="relu"), lib.layers.Flatten()])
        inputs = lib.Input((6, 6, 2))
        return lib.Model(inputs, lib.layers.Dense(3)(block(inputs)))

    k_model, n_model = build(keras), build(nerve)
    assert [w.shape for w in k_model.get_weights()] == [
        tuple(w.shape) for w in n_model.get_weights()
    ]
    n_model.set_weights(k_model.get_weights())
    x = np.random.default_rng(0).random((2, 6, 6, 2), dtype=np.float32)
    np.testing.assert_allclose(
        n_model.predict(x, verbose=0), np.asarray(k_model.predict(x, verbose=0)), rtol=1e-5
    )
