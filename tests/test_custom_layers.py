"""Custom layers written in Python (the Keras guide "Making new layers and models via
subclassing"): traced once into a C++ TracedLayer, then trained by the C++ loop. Each case trains a
few SGD steps with fit and is checked against a float64 numpy reference of the same steps.

Until the Keras-named op families land (ops-math, ops-tensor), the only registered op is the
fused "dense" (x @ kernel + bias, then an activation); the layers here call it through
nerve.ops._dispatch.apply, the path every nerve.ops function takes. Cases that need other ops
skip while those ops are missing."""

from __future__ import annotations

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve import layers as L
from nerve.ops._dispatch import apply


def dense_op(x, kernel, bias=None, activation="linear"):
    """x @ kernel (+ bias), then activation: the registered op "dense"."""
    inputs = [x, kernel] + ([] if bias is None else [bias])
    return apply("dense", inputs, {"activation": activation})


def need_ops(*names):
    missing = [n for n in names if not _core.ops.has_op(n)]
    if missing:
        pytest.skip(f"ops {missing} are not registered in this build yet")


class Linear(L.Layer):
    """Weights created in build(), from the input's last size."""

    def __init__(self, units=32, activation="linear", **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return dense_op(inputs, self.w, self.b, self.activation)


class LinearInInit(L.Layer):
    """Weights created in __init__ (the input size is given)."""

    def __init__(self, units, input_dim, **kwargs):
        super().__init__(**kwargs)
        self.units, self.input_dim = units, input_dim
        self.w = self.add_weight(shape=(input_dim, units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(units,), initializer="zeros")

    def call(self, inputs):
        return dense_op(inputs, self.w, self.b)


def sgd_linear_reference(x, y, weights, lr, steps, batch):
    """float64 SGD on mse for y_hat = x @ w + b (one Linear layer), in fit's batch order."""
    w, b = (a.astype(np.float64) for a in weights)
    x, y = x.astype(np.float64), y.astype(np.float64)
    for step in range(steps):
        i = (step * batch) % len(x)
        xb, yb = x[i : i + batch], y[i : i + batch]
        g = 2.0 * (xb @ w + b - yb) / yb.size
        w, b = w - lr * xb.T @ g, b - lr * g.sum(0)
    return w, b


def _data(n=8, d_in=4, d_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(n, d_in)).astype(np.float32),
        rng.normal(size=(n, d_out)).astype(np.float32),
    )


@pytest.mark.parametrize("where", ["sequential", "functional"])
def test_linear_layer_trains_like_float64_sgd(where):
    x, y = _data()
    layer = Linear(3)
    if where == "sequential":
        model = nerve.Sequential([nerve.Input((4,)), layer])
    else:
        inp = nerve.Input((4,))
        model = nerve.Model(inp, layer(inp))
    assert isinstance(layer._core, _core.TracedLayer)
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (3,)]
    rng = np.random.default_rng(1)
    start = [rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(start)
    w, b = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ w + b, rtol=1e-5, atol=1e-6)
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    w_ref, b_ref = sgd_linear_reference(x, y, start, 0.1, steps=6, batch=4)
    w, b = model.get_weights()
    np.testing.assert_allclose(w, w_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b, b_ref, rtol=1e-4, atol=1e-5)


def test_weights_in_init_and_sequential_without_input_builds_on_fit():
    x, y = _data()
    layer = LinearInInit(3, 4)
    assert len(layer.weights) == 2 and len(layer.trainable_weights) == 2
    model = nerve.Sequential([layer])
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.05), loss="mse")
    start = [np.array(w) for w in layer.weights]
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    w_ref, b_ref = sgd_linear_reference(x, y, start, 0.05, steps=2, batch=8)
    np.testing.assert_allclose(model.get_weights()[0], w_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b_ref, rtol=1e-4, atol=1e-5)


def test_eager_call_on_numpy_and_tensor_with_gradient_tape():
    x, _ = _data()
    layer = Linear(2)
    out = layer(x)
    assert isinstance(out, np.ndarray) and out.shape == (8, 2)
    w, b = (np.array(t) for t in layer.weights)
    # float32 rounding of each dot product, bounded by its terms' magnitudes (an output that
    # cancels to near 0 has no relative accuracy to hold to)
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-5, atol=1e-6 * (np.abs(x) @ np.abs(w)).max())
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        loss = nerve.ops.sum(layer(xt))
    gw, gb = tape.gradient(loss, layer.trainable_weights)
    np.testing.assert_allclose(np.array(gw), np.repeat(x.sum(0)[:, None], 2, 1), rtol=1e-5)
    np.testing.assert_allclose(np.array(gb), np.full(2, 8.0), rtol=1e-6)


class MLPBlock(L.Layer):
    """Nested layers: two Linear layers and a built-in Dense, tracked as attributes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.linear_1 = Linear(5, activation="relu")
        self.linear_2 = Linear(4)
        self.head = L.Dense(2)

    def call(self, inputs):
        return self.head(self.linear_2(self.linear_1(inputs)))


def test_nested_block_weights_order_and_training():
    block = MLPBlock()
    inp = nerve.Input((3,))
    model = nerve.Model(inp, block(inp))
    shapes = [tuple(w.shape) for w in block.weights]
    assert shapes == [(3, 5), (5,), (5, 4), (4,), (4, 2), (2,)]
    assert len(model.trainable_weights) == 6
    rng = np.random.default_rng(3)
    start = [rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(start)
    x = rng.normal(size=(6, 3)).astype(np.float32)
    y = rng.normal(size=(6, 2)).astype(np.float32)
    w1, b1, w2, b2, w3, b3 = (a.astype(np.float64) for a in start)
    xd = x.astype(np.float64)
    ref = (np.maximum(xd @ w1 + b1, 0) @ w2 + b2) @ w3 + b3
    np.testing.assert_allclose(model.predict(x, verbose=0), ref, rtol=1e-5, atol=1e-6)
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    # one float64 SGD step through the three layers
    h1 = xd @ w1 + b1
    a1 = np.maximum(h1, 0)
    h2 = a1 @ w2 + b2
    out = h2 @ w3 + b3
    g = 2.0 * (out - y) / y.size
    gw3, gb3 = h2.T @ g, g.sum(0)
    g2 = g @ w3.T
    gw2, gb2 = a1.T @ g2, g2.sum(0)
    g1 = (g2 @ w2.T) * (h1 > 0)
    gw1, gb1 = xd.T @ g1, g1.sum(0)
    want = [
        p - 0.1 * gp
        for p, gp in zip([w1, b1, w2, b2, w3, b3], [gw1, gb1, gw2, gb2, gw3, gb3], strict=True)
    ]
    for got, exp in zip(model.get_weights(), want, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-4, atol=1e-5)


class CallCounter(L.Layer):
    """A non-trainable weight updated from call() (assign_add), passing its input through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False)
        self.eye = None

    def build(self, input_shape):
        self.eye = np.eye(input_shape[-1], dtype=np.float32)

    def call(self, inputs):
        self.count.assign_add(1.0)
        return dense_op(inputs, self.eye)


def test_non_trainable_weight_updated_by_assign_add_each_step():
    x, y = _data(d_out=4)
    counter = CallCounter()
    model = nerve.Sequential([nerve.Input((4,)), counter, L.Dense(4)])
    assert counter.trainable_weights == [] and len(counter.non_trainable_weights) == 1
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert float(np.array(counter.count)) == 4.0  # 2 epochs of 2 steps
    model.predict(x, batch_size=8, verbose=0)
    assert float(np.array(counter.count)) == 5.0


def test_scalar_weight_saves_and_loads(tmp_path):
    model = nerve.Sequential([nerve.Input((4,)), CallCounter()])
    model.predict(np.ones((2, 4), np.float32), verbose=0)
    model.save(tmp_path / "counter.nerve")
    loaded = nerve.saving.load_model(
        tmp_path / "counter.nerve", custom_objects={"CallCounter": CallCounter}
    )
    assert np.array(loaded.layers[0].count).shape == ()
    assert float(np.array(loaded.layers[0].count)) == 1.0


class ComputeSum(L.Layer):
    """The Keras guide's running sum: total += sum of the batch, per feature."""

    def __init__(self, input_dim, **kwargs):
        super().__init__(**kwargs)
        self.total = self.add_weight(shape=(input_dim,), initializer="zeros", trainable=False)

    def call(self, inputs):
        self.total.assign_add(nerve.ops.sum(inputs, axis=0))
        return inputs


def test_running_sum_of_the_guide():
    need_ops("sum")
    x = np.ones((2, 2), np.float32)
    layer = ComputeSum(2)
    layer(x)
    layer(x)
    np.testing.assert_allclose(np.array(layer.total), [4.0, 4.0])


class ActivityPenalty(L.Layer):
    """add_loss from call(): rate * sum(inputs), through a constant kernel of `rate`s."""

    def __init__(self, rate=0.01, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        ones = np.full((inputs.shape[-1], 1), self.rate, np.float32)
        self.add_loss(dense_op(inputs, ones))
        return inputs


def test_add_loss_enters_the_training_loss():
    x, y = _data(d_out=3)
    inp = nerve.Input((4,))
    dense = L.Dense(3)
    out = ActivityPenalty(0.5)(dense(inp))
    model = nerve.Model(inp, out)
    rng = np.random.default_rng(7)
    start = [rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(start)
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    w, b = (a.astype(np.float64) for a in start)
    xd = x.astype(np.float64)
    h = xd @ w + b
    want_loss = np.mean((h - y) ** 2) + 0.5 * h.sum()
    np.testing.assert_allclose(history.history["loss"][0], want_loss, rtol=1e-4)
    g = 2.0 * (h - y) / y.size + 0.5
    np.testing.assert_allclose(model.get_weights()[0], w - 0.1 * xd.T @ g, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b - 0.1 * g.sum(0), rtol=1e-4, atol=1e-5)
    # evaluate reports the same total; an eager call lists the term in layer.losses
    penalty = model.layers[-1]
    penalty(h.astype(np.float32))
    np.testing.assert_allclose(penalty.losses, [0.5 * h.sum()], rtol=1e-4)


class DoubleWhenTraining(L.Layer):
    """A layer whose call() depends on `training` (like dropout): x * 2 in training, x otherwise."""

    def call(self, inputs, training=None):
        if training:
            return dense_op(inputs, 2.0 * np.eye(inputs.shape[-1], dtype=np.float32))
        return inputs


def test_training_flag_selects_the_traced_program():
    layer = DoubleWhenTraining()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(layer(x, training=True), 2 * x)
    np.testing.assert_allclose(layer(x, training=False), x)
    np.testing.assert_allclose(layer(x), x)
    # in fit the training program runs: loss of y_hat = 2 * (x @ w + b)
    x, y = _data(d_out=2)
    model = nerve.Sequential([nerve.Input((4,)), L.Dense(2), DoubleWhenTraining()])
    start = [np.full(w.shape, 0.1, np.float32) for w in model.get_weights()]
    model.set_weights(start)
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    h = x.astype(np.float64) @ start[0] + start[1]
    np.testing.assert_allclose(history.history["loss"][0], np.mean((2 * h - y) ** 2), rtol=1e-5)
    w, b = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ w + b, rtol=1e-5, atol=1e-6)


class Branchy(L.Layer):
    def call(self, inputs):
        if inputs:
            return inputs
        return inputs


def test_python_branch_on_tensor_values_fails_at_trace_time():
    with pytest.raises(TypeError, match=r"Branchy 'branchy.*'.*once.*nerve.ops.where"):
        Branchy()(nerve.Input((3,)))


def test_summary_and_save_load_round_trip(tmp_path):
    x, y = _data()
    model = nerve.Sequential([nerve.Input((4,)), Linear(5, activation="relu"), MLPBlock()])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y[:, :2], batch_size=4, epochs=1, verbose=0)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Linear" in text and "MLPBlock" in text and "(None, 2)" in text
    path = tmp_path / "custom.nerve"
    model.save(path)
    with pytest.raises(nerve.saving.ModelFileError, match=r"Unknown layer class 'Linear'"):
        nerve.saving.load_model(path)
    loaded = nerve.saving.load_model(path, custom_objects={"Linear": Linear, "MLPBlock": MLPBlock})
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.layers[0].units == 5 and loaded.layers[0].activation == "relu"
    loaded.fit(x, y[:, :2], batch_size=4, epochs=1, verbose=0)  # trains after loading


def test_registered_custom_layer_loads_without_custom_objects(tmp_path):
    @nerve.saving.register_keras_serializable(package="CustomLayersTest")
    class Scale(L.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return dense_op(inputs, self.factor * np.eye(inputs.shape[-1], dtype=np.float32))

    model = nerve.Sequential([nerve.Input((3,)), Scale(3.0)])
    path = tmp_path / "scale.nerve"
    model.save(path)
    loaded = nerve.saving.load_model(path)
    assert loaded.layers[0].factor == 3.0
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), 3 * x)


def test_get_config_needs_an_override_for_non_basic_arguments():
    class Holder(L.Layer):
        def __init__(self, table, **kwargs):
            super().__init__(**kwargs)
            self.table = table

        def call(self, inputs):
            return inputs

    assert Holder([1, 2], name="h").get_config()["table"] == [1, 2]
    with pytest.raises(NotImplementedError, match="must override get_config"):
        Holder(np.ones(2)).get_config()


def test_custom_layer_in_subclassed_model():
    class Net(nerve.Model):
        def __init__(self):
            super().__init__()
            self.block = MLPBlock()

        def call(self, inputs):
            return self.block(inputs)

    x, y = _data(d_in=3, d_out=2)
    net = Net()
    net.compile(optimizer="sgd", loss="mse")
    history = net.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert len(net.trainable_weights) == 6
    assert net.predict(x, verbose=0).shape == (8, 2)


def test_lambda_layer_traced_and_saving_rules(tmp_path):
    kernel = np.array([[1.0], [2.0]], np.float32)

    def project(t):
        return dense_op(t, kernel)

    inp = nerve.Input((2,))
    model = nerve.Model(inp, L.Lambda(project)(inp))
    x = np.array([[1.0, 1.0], [0.0, 3.0]], np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ kernel)
    path = tmp_path / "lambda.nerve"
    model.save(path)
    with pytest.raises(nerve.saving.ModelFileError, match="unknown function 'project'"):
        nerve.saving.load_model(path)
    loaded = nerve.saving.load_model(path, custom_objects={"project": project})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), x @ kernel)

    lam = nerve.Sequential([nerve.Input((2,)), L.Lambda(lambda t: dense_op(t, kernel))])
    lam.save(tmp_path / "lam.nerve")
    with pytest.raises(nerve.saving.ModelFileError, match="holds a Python lambda"):
        nerve.saving.load_model(tmp_path / "lam.nerve")


def test_add_weight_errors_name_the_layer():
    class BadShape(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(0, 3))

        def call(self, inputs):
            return inputs

    class BadInit(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(3,), initializer="no_such_init")

        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match=r"BadShape 'bad_shape.*'.*positive ints.*\(0, 3\)"):
        BadShape()(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match=r"BadInit 'bad_init.*'.*no_such_init"):
        BadInit()(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="not supported"):
        LinearInInit(2, 2).add_weight(shape=(2,), constraint="non_neg")


class TwoInputs(L.Layer):
    """Several inputs (a list), combined by a built-in merge layer called inside call()."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.add_layer = L.Add()

    def build(self, input_shape):
        (_, d_a), (_, d_b) = input_shape
        self.wa = self.add_weight(shape=(d_a, self.units))
        self.wb = self.add_weight(shape=(d_b, self.units))

    def call(self, inputs):
        a, b = inputs
        return self.add_layer([dense_op(a, self.wa), dense_op(b, self.wb)])


def test_layer_with_two_inputs_in_a_functional_model():
    ia, ib = nerve.Input((3,)), nerve.Input((2,))
    layer = TwoInputs(4)
    model = nerve.Model([ia, ib], layer([ia, ib]))
    rng = np.random.default_rng(5)
    a = rng.normal(size=(5, 3)).astype(np.float32)
    b = rng.normal(size=(5, 2)).astype(np.float32)
    wa, wb = model.get_weights()
    np.testing.assert_allclose(model.predict([a, b], verbose=0), a @ wa + b @ wb, rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    model.fit([a, b], np.zeros((5, 4), np.float32), epochs=2, verbose=0)


def test_ops_on_symbolic_inputs_become_layer_nodes(tmp_path):
    kernel = np.array([[2.0], [1.0], [0.5]], np.float32)
    inp = nerve.Input((3,))
    out = apply("dense", [inp, kernel], {"activation": "relu"})
    assert isinstance(out, nerve.layers.KerasTensor) and out.shape == (None, 1)
    model = nerve.Model(inp, out)
    assert isinstance(model.layers[-1], L.OpLayer)
    x = np.array([[1.0, 2.0, 4.0], [-3.0, 0.0, 0.0]], np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.maximum(x @ kernel, 0))
    model.save(tmp_path / "op.nerve")
    loaded = nerve.saving.load_model(tmp_path / "op.nerve")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), np.maximum(x @ kernel, 0))


class ShapeProbe(L.Layer):
    def call(self, inputs):
        self.seen = nerve.ops.shape(inputs)
        return inputs


def test_ops_shape_gives_symbolic_sizes_inside_a_trace():
    probe = ShapeProbe()
    probe(nerve.Input((None, 4)))
    batch, length, features = probe.seen
    assert features == 4
    assert isinstance(batch, nerve.layers.tracing.SymbolicDim)
    assert isinstance(length, nerve.layers.tracing.SymbolicDim)
    with pytest.raises(TypeError, match="arithmetic on a size known only at run time"):
        batch * 2
    assert nerve.ops.shape(nerve.Tensor(np.ones((2, 3), np.float32))) == (2, 3)
    assert nerve.ops.shape(np.ones((4, 1))) == (4, 1)


def test_weight_regularizer_and_frozen_custom_layer():
    x, y = _data()
    layer = Linear(3)
    model = nerve.Sequential([nerve.Input((4,)), layer])
    # regularizer given to add_weight: Keras' l2 is 0.01 * sum(w ** 2)

    class L2Linear(Linear):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), regularizer="l2")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    reg = L2Linear(3)
    rmodel = nerve.Sequential([nerve.Input((4,)), reg])
    rmodel.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.0), loss="mse")
    w, b = (a.astype(np.float64) for a in rmodel.get_weights())
    history = rmodel.fit(x, y, batch_size=8, epochs=1, verbose=0)
    want = np.mean((x @ w + b - y) ** 2) + 0.01 * np.sum(w**2)
    np.testing.assert_allclose(history.history["loss"][0], want, rtol=1e-4)
    np.testing.assert_allclose(reg.losses, [0.01 * np.sum(w**2)], rtol=1e-4)
    # frozen: no trainable weights, fit leaves them alone
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b_ in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b_)


def test_build_that_needs_an_unknown_size_says_what_is_missing():
    with pytest.raises(ValueError, match=r"Linear 'linear.*'.*cannot be None.*nerve.Input\(shape"):
        Linear(2)(nerve.Input((None,)))


def test_add_loss_outside_call_is_listed_in_losses():
    layer = Linear(2)
    layer.add_loss(np.array([1.0, 2.5]))
    assert layer.losses == [3.5]


def _need_random_normal():
    random = getattr(nerve, "random", None)
    if random is None or not hasattr(random, "normal") or not hasattr(random, "SeedGenerator"):
        pytest.skip("nerve.random.normal is not in this build yet (branch random)")
    need_ops("exp", "multiply", "add")


class Sampling(L.Layer):
    """The VAE guide's sampling layer: z = mean + exp(log_var / 2) * eps, eps ~ N(0, 1)."""

    def __init__(self, seed=1337, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = nerve.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = nerve.ops.shape(z_mean)[0], nerve.ops.shape(z_mean)[1]
        eps = nerve.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return nerve.ops.add(z_mean, nerve.ops.multiply(nerve.ops.exp(0.5 * z_log_var), eps))


def test_sampling_layer_draws_new_noise_every_call():
    _need_random_normal()
    m, v = nerve.Input((4,)), nerve.Input((4,))
    model = nerve.Model([m, v], Sampling()([m, v]))
    mean = np.full((2000, 4), 3.0, np.float32)
    log_var = np.full((2000, 4), np.log(4.0), np.float32)
    a = model.predict([mean, log_var], verbose=0)
    b = model.predict([mean, log_var], verbose=0)
    assert not np.array_equal(a, b)
    assert abs(a.mean() - 3.0) < 0.1 and abs(a.std() - 2.0) < 0.1


# ---- The guide's layers written with the Keras-named nerve.ops -------------------------------

ops = nerve.ops


class KerasLinear(L.Layer):
    """The guide's Linear: ops.matmul(inputs, w) + b (traced into one fused "dense" op)."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


def test_guide_linear_with_ops_matmul_trains_like_float64_sgd():
    need_ops("matmul", "add")
    x, y = _data()
    layer = KerasLinear(3)
    model = nerve.Sequential([nerve.Input((4,)), layer])
    assert layer._core.step_ops(False) == ["dense"]  # matmul + bias fused
    rng = np.random.default_rng(11)
    start = [rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(start)
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    w_ref, b_ref = sgd_linear_reference(x, y, start, 0.1, steps=4, batch=4)
    np.testing.assert_allclose(model.get_weights()[0], w_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b_ref, rtol=1e-4, atol=1e-5)


class SoftplusLinear(KerasLinear):
    def call(self, inputs):
        return ops.softplus(ops.add(self.b, ops.matmul(inputs, self.w)))


def test_matmul_bias_fused_and_other_activations_kept_as_ops():
    need_ops("matmul", "add", "softplus")
    layer = SoftplusLinear(2)
    x = np.random.default_rng(2).normal(size=(3, 4)).astype(np.float32)
    out = layer(x)
    assert layer._core.step_ops(False) == ["dense", "softplus"]
    w, b = (np.array(t, np.float64) for t in layer.weights)
    np.testing.assert_allclose(out, np.log1p(np.exp(x @ w + b)), rtol=1e-5, atol=1e-6)


class ActivityRegularization(L.Layer):
    """The guide's activity regularization: add_loss(rate * sum(square(inputs)))."""

    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.sum(ops.square(inputs)))
        return inputs


def test_guide_activity_regularization_with_add_loss():
    need_ops("sum", "square", "multiply")
    x, y = _data()
    inp = nerve.Input((4,))
    model = nerve.Model(inp, ActivityRegularization(0.1)(L.Dense(3)(inp)))
    w, b = (a.astype(np.float64) for a in model.get_weights())
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.05), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    h = x.astype(np.float64) @ w + b
    want = np.mean((h - y) ** 2) + 0.1 * np.sum(h**2)
    np.testing.assert_allclose(history.history["loss"][0], want, rtol=1e-4)
    g = 2.0 * (h - y) / y.size + 0.2 * h
    np.testing.assert_allclose(model.get_weights()[0], w - 0.05 * x.T @ g, rtol=1e-4, atol=1e-5)


class FlattenWithBatch(L.Layer):
    """A shape from ops.shape: the batch size is known only at run time (a dim patch in C++)."""

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        return ops.reshape(inputs, (batch, -1))


def test_reshape_with_the_runtime_batch_size():
    need_ops("reshape")
    model = nerve.Sequential([nerve.Input((2, 3)), FlattenWithBatch(), L.Dense(1)])
    assert model.layers[0].compute_output_shape((None, 2, 3)) == (None, 6)
    for n in (1, 5, 7):
        x = np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3)
        w, b = model.get_weights()
        np.testing.assert_allclose(
            model.predict(x, verbose=0), x.reshape(n, 6) @ w + b, rtol=1e-5, atol=1e-5
        )
    model.compile(optimizer="sgd", loss="mse")
    model.fit(
        np.ones((10, 2, 3), np.float32), np.ones((10, 1), np.float32), batch_size=4, verbose=0
    )


class PositiveOnly(L.Layer):
    def call(self, inputs):
        if inputs > 0:
            return inputs
        return -inputs


def test_if_on_a_comparison_fails_at_trace_time_naming_the_layer():
    need_ops("greater")
    with pytest.raises(TypeError, match=r"PositiveOnly 'positive_only.*'.*ops.where"):
        nerve.Sequential([nerve.Input((3,)), PositiveOnly()])


def test_ops_and_operators_on_functional_inputs():
    need_ops("exp", "multiply", "add")
    inp = nerve.Input((3,))
    out = L.Dense(2)(ops.exp(inp) * 2.0 + 1.0)
    model = nerve.Model(inp, out)
    x = np.random.default_rng(4).normal(size=(5, 3)).astype(np.float32)
    w, b = model.get_weights()
    np.testing.assert_allclose(
        model.predict(x, verbose=0), (np.exp(x) * 2 + 1) @ w + b, rtol=1e-5, atol=1e-5
    )
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((5, 2), np.float32), verbose=0)


class ListBlock(L.Layer):
    """Sub-layers in a list attribute are tracked too."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stages = [Linear(4, activation="relu"), Linear(2)]

    def call(self, inputs):
        for stage in self.stages:
            inputs = stage(inputs)
        return inputs


def test_layers_in_a_list_and_freezing_a_sub_layer_after_tracing():
    x, y = _data(d_out=2)
    block = ListBlock()
    assert block.weights == []  # not built yet
    model = nerve.Sequential([nerve.Input((4,)), block])
    assert [tuple(w.shape) for w in block.weights] == [(4, 4), (4,), (4, 2), (2,)]
    block.stages[0].trainable = False
    assert len(block.trainable_weights) == 2 and len(model.trainable_weights) == 2
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    after = model.get_weights()
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert not np.array_equal(before[2], after[2])
    block.trainable = True  # Keras: the block's flag sets its sub-layers' flags
    assert block.stages[0].trainable and len(model.trainable_weights) == 4


class _FlattenByBatch(L.Layer):
    """Reads x's batch size after x's last use as a tensor (a dim patch is a use too)."""

    def call(self, x):
        y = nerve.ops.relu(x)
        return nerve.ops.reshape(y, (nerve.ops.shape(x)[0], -1))


def test_batch_size_read_after_last_use_keeps_the_value():
    model = nerve.Sequential([L.Input((3, 4)), _FlattenByBatch()])
    x = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(np.float32)
    got = model.predict(x, verbose=0)
    np.testing.assert_array_equal(got, np.maximum(x, 0).reshape(5, -1))
