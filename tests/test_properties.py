"""Property tests (hypothesis): element-wise ops with NumPy broadcasting (and their gradients'
reduction back to each operand's shape), reductions over random axes with keepdims, shape ops and
products against numpy on random shapes;
Conv2D and pooling output shapes against the formula (and Conv2D's values against a direct numpy
convolution) for random geometry; randomly built models predicting identically after save/load.

The examples are drawn deterministically (derandomize=True), so CI sees the same cases every run;
run with NERVE_HYPOTHESIS_RANDOM=1 to explore new ones."""

import os

import numpy as np
import pytest

hypothesis = pytest.importorskip(
    "hypothesis", reason="the property tests need hypothesis (test extra)"
)
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nerve  # noqa: E402
from nerve import layers, ops  # noqa: E402

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=os.environ.get("NERVE_HYPOTHESIS_RANDOM") != "1",
    database=None,
)
shapes = st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple)


def _array(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_elementwise_and_reductions_match_numpy(shape, seed):
    a, b = _array(shape, seed), _array(shape, seed + 1)
    ta, tb = nerve.Tensor(a), nerve.Tensor(b)
    np.testing.assert_allclose(ops.add(ta, tb).numpy(), a + b, rtol=1e-6)
    np.testing.assert_allclose(ops.sub(ta, tb).numpy(), a - b, rtol=1e-6)
    np.testing.assert_allclose(ops.mul(ta, tb).numpy(), a * b, rtol=1e-6)
    np.testing.assert_allclose(float(ops.sum(ta).numpy()), a.sum(dtype=np.float64), atol=1e-4)
    np.testing.assert_allclose(float(ops.mean(ta).numpy()), a.mean(dtype=np.float64), atol=1e-5)


@SETTINGS
@given(data=st.data(), shape=shapes, seed=st.integers(0, 2**16))
def test_narrow_and_concat_match_numpy(data, shape, seed):
    a = _array(shape, seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = shape[axis]
    start = data.draw(st.integers(0, n - 1), label="start")
    length = data.draw(st.integers(1, n - start), label="length")
    got = ops.narrow(nerve.Tensor(a), axis, start, length).numpy()
    np.testing.assert_array_equal(got, np.take(a, range(start, start + length), axis=axis))
    other = list(shape)
    other[axis] = data.draw(st.integers(1, 4), label="other size")
    b = _array(tuple(other), seed + 1)
    got = ops.concat([nerve.Tensor(a), nerve.Tensor(b)], axis).numpy()
    np.testing.assert_array_equal(got, np.concatenate([a, b], axis=axis))


@SETTINGS
@given(m=st.integers(1, 40), k=st.integers(1, 40), n=st.integers(1, 40), seed=st.integers(0, 999))
def test_matmul_matches_numpy(m, k, n, seed):
    a, b = _array((m, k), seed), _array((k, n), seed + 1)
    got = ops.matmul(nerve.Tensor(a), nerve.Tensor(b)).numpy()
    np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


@st.composite
def _broadcastable_pair(draw):
    """Two shapes numpy broadcasts together: a common tail, each side's dims set to 1 or
    dropped from the front at random."""
    full = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))

    def side():
        dims = [d if draw(st.booleans()) else 1 for d in full]
        return tuple(dims[draw(st.integers(0, len(dims))) :])

    return side(), side()


@SETTINGS
@given(pair=_broadcastable_pair(), seed=st.integers(0, 2**16))
def test_broadcasting_binary_ops_and_their_gradients_match_numpy(pair, seed):
    sa, sb = pair
    a, b = _array(sa, seed), _array(sb, seed + 1)
    b = np.where(np.abs(b) < 0.1, 0.5, b).astype(np.float32)  # keep divide away from 0
    ta, tb = nerve.Tensor(a), nerve.Tensor(b)
    for name, ref in [
        ("add", np.add),
        ("subtract", np.subtract),
        ("multiply", np.multiply),
        ("divide", np.divide),
        ("maximum", np.maximum),
    ]:
        got = np.asarray(getattr(ops, name)(ta, tb))
        want = ref(a.astype(np.float64), b)
        assert got.shape == want.shape, (name, sa, sb)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{name} {sa} {sb}")
    # The gradient of sum(a * b) w.r.t. each side is the other side summed over the broadcast
    # axes: the reduction back to the operand's shape that every broadcasting backward needs.
    va, vb = nerve.Tensor(a), nerve.Tensor(b)
    with nerve.GradientTape() as tape:
        tape.watch([va, vb])
        loss = ops.sum(ops.multiply(va, vb))
    ga, gb = tape.gradient(loss, [va, vb])
    want_ga = np.broadcast_to(b, np.broadcast_shapes(sa, sb)).astype(np.float64)
    want_gb = np.broadcast_to(a, np.broadcast_shapes(sa, sb)).astype(np.float64)
    lead = len(np.broadcast_shapes(sa, sb))

    def reduce_to(g, shape):
        g = g.sum(axis=tuple(range(lead - len(shape))))
        return g.sum(axis=tuple(i for i, d in enumerate(shape) if d == 1), keepdims=True)

    np.testing.assert_allclose(
        np.asarray(ga), reduce_to(want_ga, sa).reshape(sa), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(gb), reduce_to(want_gb, sb).reshape(sb), rtol=1e-5, atol=1e-5
    )


@SETTINGS
@given(data=st.data(), shape=shapes, seed=st.integers(0, 2**16), keepdims=st.booleans())
def test_reductions_over_axes_match_numpy(data, shape, seed, keepdims):
    a = _array(shape, seed)
    axes = data.draw(
        st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1, max_size=len(shape)),
        label="axes",
    )
    axis = tuple(ax - len(shape) if data.draw(st.booleans()) else ax for ax in axes)
    t = nerve.Tensor(a)
    a64 = a.astype(np.float64)
    for name, ref, tol in [
        ("sum", np.sum, 1e-5),
        ("mean", np.mean, 1e-5),
        ("max", np.max, 0),
        ("min", np.min, 0),
        ("var", np.var, 1e-4),
        ("std", np.std, 1e-4),
    ]:
        got = np.asarray(getattr(ops, name)(t, axis=axis, keepdims=keepdims))
        want = ref(a64, axis=axis, keepdims=keepdims)
        assert got.shape == want.shape, (name, shape, axis, keepdims)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{name} {shape} {axis}")
    got = np.asarray(ops.logsumexp(t, axis=axis, keepdims=keepdims))
    m = a64.max(axis=axis, keepdims=True)
    want = np.log(np.exp(a64 - m).sum(axis=axis, keepdims=True)) + m
    if not keepdims:
        want = np.squeeze(want, axis=tuple(ax % len(shape) for ax in axis))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(data=st.data(), shape=shapes, seed=st.integers(0, 2**16))
def test_shape_ops_match_numpy(data, shape, seed):
    a = _array(shape, seed)
    t = nerve.Tensor(a)
    perm = tuple(data.draw(st.permutations(range(len(shape))), label="perm"))
    np.testing.assert_array_equal(np.asarray(ops.transpose(t, perm)), np.transpose(a, perm))
    flat = data.draw(st.sampled_from([(-1,), (a.size,), (1, -1), (-1, 1)]), label="reshape")
    np.testing.assert_array_equal(np.asarray(ops.reshape(t, flat)), a.reshape(flat))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="expand axis")
    e = ops.expand_dims(t, axis)
    np.testing.assert_array_equal(np.asarray(e), np.expand_dims(a, axis))
    np.testing.assert_array_equal(np.asarray(ops.squeeze(e, axis)), a)
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape))))
    np.testing.assert_array_equal(np.asarray(ops.tile(t, reps)), np.tile(a, reps))
    ax = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    np.testing.assert_array_equal(np.asarray(ops.flip(t, axis=ax)), np.flip(a, axis=ax))
    np.testing.assert_array_equal(np.asarray(ops.stack([t, t], axis=ax)), np.stack([a, a], axis=ax))
    pieces = ops.split(t, [1], axis=ax) if shape[ax] > 1 else [t]
    want = np.split(a, [1], axis=ax) if shape[ax] > 1 else [a]
    for p, w in zip(pieces, want):
        np.testing.assert_array_equal(np.asarray(p), w)


def _out_size(size, kernel, stride, dilation, padding):
    if padding == "same":
        return -(-size // stride)
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def _conv2d_reference(x, w, b, stride, dilation, padding):
    """Direct float64 convolution, NHWC, Keras's padding (the extra 'same' pixel after)."""
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    oh = _out_size(h, kh, stride[0], dilation[0], padding)
    ow = _out_size(wd, kw, stride[1], dilation[1], padding)
    pads = [(0, 0), (0, 0)]
    if padding == "same":
        for i, (size, k, s, d, o) in enumerate(zip((h, wd), (kh, kw), stride, dilation, (oh, ow))):
            total = max((o - 1) * s + d * (k - 1) + 1 - size, 0)
            pads[i] = (total // 2, total - total // 2)
    xp = np.pad(x.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)])
    y = np.zeros((n, oh, ow, f))
    for i in range(kh):
        for j in range(kw):
            rows = xp[:, i * dilation[0] :: stride[0], j * dilation[1] :: stride[1], :][:, :oh, :ow]
            y += rows @ w[i, j].astype(np.float64)
    return y + b


@SETTINGS
@given(
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    c=st.integers(1, 3),
    f=st.integers(1, 4),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.integers(1, 2),
    padding=st.sampled_from(["valid", "same"]),
    seed=st.integers(0, 999),
)
def test_conv2d_shape_and_values_for_random_geometry(
    h, w, c, f, kernel, stride, dilation, padding, seed
):
    oh = _out_size(h, kernel[0], stride[0], dilation, padding)
    ow = _out_size(w, kernel[1], stride[1], dilation, padding)
    dil = (dilation, dilation)
    if dilation > 1 and stride != (1, 1):
        stride = (1, 1)  # Keras refuses strides > 1 with dilation > 1
        oh = _out_size(h, kernel[0], 1, dilation, padding)
        ow = _out_size(w, kernel[1], 1, dilation, padding)
    layer = layers.Conv2D(f, kernel, strides=stride, padding=padding, dilation_rate=dil)
    if oh < 1 or ow < 1:  # the kernel does not fit: a clear error, not a shape of 0
        with pytest.raises(ValueError):
            layer(np.zeros((1, h, w, c), np.float32))
        return
    x = _array((2, h, w, c), seed)
    y = layer(x)
    y = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    assert y.shape == (2, oh, ow, f)
    assert layer.compute_output_shape((None, h, w, c)) == (None, oh, ow, f)
    kernel_w, bias = layer.get_weights()
    ref = _conv2d_reference(x, kernel_w, bias, stride, dil, padding)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


@SETTINGS
@given(
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    pool=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    padding=st.sampled_from(["valid", "same"]),
    kind=st.sampled_from(["max", "average"]),
    seed=st.integers(0, 999),
)
def test_pooling_output_shape_for_random_geometry(h, w, pool, stride, padding, kind, seed):
    s = stride or pool  # Keras: strides default to the pool size
    oh = _out_size(h, pool[0], s[0], 1, padding)
    ow = _out_size(w, pool[1], s[1], 1, padding)
    cls = layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D
    layer = cls(pool, strides=stride, padding=padding)
    if oh < 1 or ow < 1:
        with pytest.raises(ValueError):
            layer(np.zeros((1, h, w, 2), np.float32))
        return
    x = _array((2, h, w, 2), seed)
    y = layer(x)
    y = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    assert y.shape == (2, oh, ow, 2)
    if padding == "valid":  # the windows lie inside the input: check the values too
        ref = np.empty_like(y)
        for i in range(oh):
            for j in range(ow):
                win = x[:, i * s[0] : i * s[0] + pool[0], j * s[1] : j * s[1] + pool[1], :]
                ref[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


LAYER_CHOICES = {
    "dense": lambda d: layers.Dense(d.draw(st.integers(1, 8)), activation=d.draw(ACTIVATIONS)),
    "dropout": lambda d: layers.Dropout(d.draw(st.floats(0.0, 0.5))),
    "batchnorm": lambda d: layers.BatchNormalization(),
    "layernorm": lambda d: layers.LayerNormalization(),
    "activation": lambda d: layers.Activation(d.draw(ACTIVATIONS)),
    "leaky_relu": lambda d: layers.LeakyReLU(negative_slope=d.draw(st.floats(0.0, 0.5))),
}
ACTIVATIONS = st.sampled_from(["relu", "tanh", "sigmoid", "linear", "elu", "softplus"])


@settings(SETTINGS, max_examples=15)
@given(data=st.data(), features=st.integers(1, 6), depth=st.integers(1, 5))
def test_random_models_predict_identically_after_save_and_load(
    data, features, depth, tmp_path_factory
):
    nerve.utils.set_random_seed(data.draw(st.integers(0, 999), label="seed"))
    stack = [
        LAYER_CHOICES[data.draw(st.sampled_from(sorted(LAYER_CHOICES)), label=f"layer {i}")](data)
        for i in range(depth)
    ]
    model = nerve.Sequential([layers.Input((features,)), *stack, layers.Dense(3)])
    model.compile("adam", "mse")
    x = _array((16, features), 1)
    model.fit(x, _array((16, 3), 2), epochs=1, batch_size=8, verbose=0)  # moves BN statistics
    path = tmp_path_factory.mktemp("model") / "m.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
