"""Every activation Keras 3 ships, against Keras itself (JAX backend): the list of names, forward
values (random and large |x|, to 1e-6 relative), gradients (against jax.vjp of Keras's own
function), a Dense layer with activation=name trained for a step, use in Conv1D/Conv2D and
recurrent cells, get/serialize, and the errors for unknown or unusable names."""

import os

import numpy as np
import pytest

import nerve
from nerve import activations as A

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
jax = pytest.importorskip("jax")

ops = nerve._core.ops
rng = np.random.default_rng(7)


def _fixed_sparsemax(x, axis=-1):
    """Sparsemax as Keras computes it after keras-team/keras#23469 (tau from the sum of the
    support's logits): the reference while the installed Keras has bug #23425."""
    kops = keras.ops
    x = kops.convert_to_tensor(x)
    z = -kops.sort(-x, axis=axis)
    cum = kops.cumsum(z, axis=axis)
    shape = [1] * len(x.shape)
    shape[axis] = -1
    r = kops.reshape(kops.arange(1, x.shape[axis] + 1, dtype=x.dtype), shape)
    support = z - (cum - 1.0) / r > 0
    k = kops.sum(kops.cast(support, x.dtype), axis=axis, keepdims=True)
    tau = (kops.sum(kops.where(support, z, 0.0), axis=axis, keepdims=True) - 1.0) / k
    return kops.maximum(x - tau, 0.0)


_fixed_sparsemax.__name__ = "sparsemax"
KERAS_SPARSEMAX_FIXED = bool(
    np.isclose(
        np.asarray(keras.activations.sparsemax(np.array([[0.0, 0.5, 1.0]], np.float32))).sum(), 1.0
    )
)


def _keras_activation(name):
    """What a Keras layer is given for `name`: the name, or the fixed sparsemax (see above)."""
    return _fixed_sparsemax if name == "sparsemax" and not KERAS_SPARSEMAX_FIXED else name


def _keras_function(name):
    fn = _keras_activation(name)
    return fn if callable(fn) else getattr(keras.activations, name)


KERAS_FUNCTIONS = sorted(
    n
    for n in dir(keras.activations)
    if not n.startswith("_")
    and n not in ("get", "serialize", "deserialize")
    and callable(getattr(keras.activations, n))
)

# (name, keyword arguments): every function at its defaults, and the arguments Keras takes.
CASES = [(n, {}) for n in KERAS_FUNCTIONS if n != "threshold"] + [
    ("threshold", {"threshold": 0.3, "default_value": -2.0}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5}),
    ("relu", {"threshold": 0.7}),
    ("relu", {"negative_slope": 0.1, "max_value": 3.0, "threshold": -0.5}),
    ("leaky_relu", {"negative_slope": 0.05}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("gelu", {"approximate": True}),
    ("soft_shrink", {"threshold": 1.0}),
    ("hard_shrink", {"threshold": 0.2}),
    ("squareplus", {"b": 1.0}),
]
CASE_IDS = [n + "".join(f"-{k}={v}" for k, v in kw.items()) for n, kw in CASES]
ROW_WISE = ("softmax", "log_softmax", "glu", "sparsemax")
# Where the derivative jumps, per case: gradients are checked away from these points.
KINKS = [0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 0.5, -0.5, 0.3, 0.7, 2.5, 0.2, -0.2]


def _inputs(shape, large=True):
    x = rng.normal(0.0, 3.0, size=shape)
    if large:  # large |x| in every row
        x[..., :6] = [-1e4, -85.0, -30.0, 30.0, 85.0, 1e4]
    return x.astype(np.float32)


def _away_from_kinks(x):
    for k in KINKS:
        x = np.where(np.abs(x - k) < 0.03, x + 0.07, x)
    return x.astype(np.float32)


def _keras(name, x, kw, axis=None):
    f = _keras_function(name)
    return np.asarray(f(x, axis=axis, **kw) if axis is not None else f(x, **kw))


def test_every_keras_activation_is_there():
    keras_names = set(KERAS_FUNCTIONS)
    nerve_names = set(A.NAMES) | {"swish", "hard_swish"}
    assert nerve_names == keras_names, (keras_names - nerve_names, nerve_names - keras_names)
    for name in KERAS_FUNCTIONS:
        assert callable(getattr(A, name))


@pytest.mark.parametrize("name,kw", CASES, ids=CASE_IDS)
def test_forward_matches_keras(name, kw):
    x = _inputs((4, 64))
    want = _keras(name, x, kw)
    got = getattr(A, name)(x, **kw)
    assert got.shape == want.shape and got.dtype == np.float32
    # 1e-6 relative, plus one float32 rounding of the input's scale for the functions that
    # cancel (x - tanh(x), x + sqrt(x^2 + b) for x << 0; log_softmax's log of a sum near 1).
    scale = np.maximum(1.0, np.abs(x)) if want.shape == x.shape else 2.0
    tol = 1e-6 * np.abs(want) + 1.2e-7 * scale
    both_inf = np.isinf(got) & np.isinf(want) & (np.sign(got) == np.sign(want))
    with np.errstate(invalid="ignore"):
        err = np.abs(got.astype(np.float64) - want)
    assert np.all((err <= tol) | both_inf), (
        x[err > tol][:5],
        got[err > tol][:5],
        want[err > tol][:5],
    )


@pytest.mark.parametrize("name", ROW_WISE)
@pytest.mark.parametrize("axis", [0, 1, -2])
def test_row_activations_take_an_axis(name, axis):
    x = _inputs((4, 6, 8), large=False)
    want = _keras(name, x, {}, axis=axis)
    # log_softmax: -log(sum) of a sum near 1 is exact to the sum's rounding (2 ulp at 1)
    np.testing.assert_allclose(getattr(A, name)(x, axis=axis), want, rtol=1e-6, atol=2.4e-7)


@pytest.mark.parametrize("name,kw", CASES, ids=CASE_IDS)
def test_gradient_matches_jax(name, kw):
    x = _away_from_kinks(_inputs((3, 16), large=False))
    x[:, :4] = [-30.0, -12.5, 12.5, 30.0]  # saturated regions too
    f = _keras_function(name)
    y, vjp = jax.vjp(lambda v: f(v, **kw), jax.numpy.asarray(x))
    cot = rng.standard_normal(np.shape(y)).astype(np.float32)
    (want,) = vjp(jax.numpy.asarray(cot))

    t = nerve.Tensor(x.copy(), requires_grad=True)
    out = getattr(A, name)(t, **kw)
    assert isinstance(out, nerve.Tensor)
    np.testing.assert_allclose(np.asarray(out), np.asarray(y), rtol=1e-5, atol=1e-6)
    ops.sum(ops.mul(out, nerve.Tensor(cot))).backward()
    np.testing.assert_allclose(np.asarray(t.grad), np.asarray(want), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["celu", "selu", "gelu", "mish", "log_softmax", "sparsemax"])
def test_gradient_matches_float64_finite_differences(name):
    x = _away_from_kinks(rng.normal(0.0, 1.5, size=(2, 5)))
    cot = rng.standard_normal((2, 5))
    t = nerve.Tensor(x.copy(), requires_grad=True)
    ops.sum(ops.mul(A.get(name)(t), nerve.Tensor(cot.astype(np.float32)))).backward()
    f64 = {  # float64 references
        "celu": lambda v: np.where(v > 0, v, np.expm1(v)),
        "selu": lambda v: 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * np.expm1(v)),
        "gelu": lambda v: v * 0.5 * (1 + np.vectorize(__import__("math").erf)(v / np.sqrt(2))),
        "mish": lambda v: v * np.tanh(np.logaddexp(v, 0)),
        "log_softmax": lambda v: v - np.log(np.exp(v).sum(-1, keepdims=True)),
        "sparsemax": lambda v: _sparsemax64(v),
    }[name]
    num = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        a, b = x.astype(np.float64), x.astype(np.float64)
        a[i] += 1e-6
        b[i] -= 1e-6
        num[i] = ((f64(a) - f64(b)) * cot).sum() / 2e-6
    np.testing.assert_allclose(np.asarray(t.grad), num, rtol=1e-4, atol=1e-5)


def _sparsemax64(v):
    s = -np.sort(-v, axis=-1)
    cum = np.cumsum(s, axis=-1)
    r = np.arange(1, v.shape[-1] + 1)
    support = s - (cum - 1) / r > 0
    k = support.sum(-1, keepdims=True)
    tau = (np.where(support, s, 0).sum(-1, keepdims=True) - 1) / k
    return np.maximum(v - tau, 0)


def test_sparsemax_is_the_simplex_projection():
    x = _inputs((6, 9), large=False)
    y = A.sparsemax(x)
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(y, _sparsemax64(x.astype(np.float64)), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(A.sparsemax([[0.0, 0.5, 1.0]]), [[0.0, 0.25, 0.75]], atol=1e-7)
    if not KERAS_SPARSEMAX_FIXED:  # the installed Keras has keras-team/keras#23425
        np.testing.assert_allclose(
            keras.activations.sparsemax(np.array([[0.0, 0.5, 1.0]])), [[0.0, 0.0, 0.25]], atol=1e-7
        )
    one_in_support = np.array([[3.0, 0.5, -1.0]], np.float32)  # there Keras's formula agrees
    np.testing.assert_allclose(
        A.sparsemax(one_in_support), keras.activations.sparsemax(one_in_support), atol=1e-7
    )


LAYER_NAMES = [n for n in KERAS_FUNCTIONS if n != "threshold"]


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_dense_with_activation_trains_like_keras(name):
    B, F, U = 16, 5, 6
    x = rng.normal(0.0, 1.0, (B, F)).astype(np.float32)
    out_units = U // 2 if name == "glu" else U
    y = rng.normal(0.0, 1.0, (B, out_units)).astype(np.float32)
    w = (rng.normal(0.0, 0.5, (F, U))).astype(np.float32)
    b = (rng.normal(0.0, 0.2, U)).astype(np.float32)

    km = keras.Sequential(
        [keras.Input((F,)), keras.layers.Dense(U, activation=_keras_activation(name))]
    )
    km.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    km.set_weights([w, b])
    nm = nerve.Sequential([nerve.Input((F,)), nerve.layers.Dense(U, activation=name)])
    nm.compile(optimizer=nerve.optimizers.SGD(0.05), loss="mse")
    nm.set_weights([w, b])

    np.testing.assert_allclose(nm.predict(x), km.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    k_loss = float(np.ravel(km.train_on_batch(x, y))[0])
    n_loss = float(np.ravel(nm.train_on_batch(x, y))[0])
    assert n_loss == pytest.approx(k_loss, rel=1e-5)
    for got, want in zip(nm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert nm.layers[0].get_config()["activation"] == keras.activations.serialize(
        keras.activations.get(name)
    )


@pytest.mark.parametrize(
    "name", ["glu", "log_softmax", "softmax", "mish", "hard_silu", "sparsemax"]
)
def test_conv_layers_take_any_activation(name):
    x2 = rng.normal(0.0, 1.0, (2, 6, 6, 3)).astype(np.float32)
    x1 = rng.normal(0.0, 1.0, (2, 7, 3)).astype(np.float32)
    for x, k_layer, n_layer in (
        (
            x2,
            keras.layers.Conv2D(4, 3, activation=_keras_activation(name)),
            nerve.layers.Conv2D(4, 3, activation=name),
        ),
        (
            x1,
            keras.layers.Conv1D(4, 3, activation=_keras_activation(name)),
            nerve.layers.Conv1D(4, 3, activation=name),
        ),
    ):
        km = keras.Sequential([keras.Input(x.shape[1:]), k_layer])
        nm = nerve.Sequential([nerve.Input(x.shape[1:]), n_layer])
        nm.set_weights(km.get_weights())
        want = km.predict(x, verbose=0)
        got = nm.predict(x)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # conv sums differ in order


@pytest.mark.parametrize(
    "cell,act,ract",
    [
        ("SimpleRNN", "selu", None),
        ("SimpleRNN", "gelu", None),
        ("SimpleRNN", "softmax", None),
        ("LSTM", "hard_tanh", "hard_sigmoid"),
        ("LSTM", "elu", "log_sigmoid"),
        ("LSTM", "mish", "hard_silu"),
        ("LSTM", "sparsemax", "log_softmax"),
        ("GRU", "relu6", "sparse_sigmoid"),
        ("GRU", "soft_shrink", "softplus"),
        ("GRU", "silu", "softsign"),
        ("GRU", "tanh_shrink", "softmax"),
    ],
)
def test_recurrent_cells_take_keras_activations(cell, act, ract):
    # Activations whose derivative needs the pre-activation (gelu, silu, softmax, ...) make the
    # sequence op keep the gates' pre-activations: checked through a training step.
    x = rng.normal(0.0, 1.0, (3, 5, 4)).astype(np.float32)
    kwargs = (
        {"activation": act} if ract is None else {"activation": act, "recurrent_activation": ract}
    )
    k_kwargs = {k: _keras_activation(v) for k, v in kwargs.items()}
    km = keras.Sequential([keras.Input((5, 4)), getattr(keras.layers, cell)(6, **k_kwargs)])
    nm = nerve.Sequential([nerve.Input((5, 4)), getattr(nerve.layers, cell)(6, **kwargs)])
    nm.set_weights(km.get_weights())
    np.testing.assert_allclose(nm.predict(x), km.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    y = rng.normal(0.0, 1.0, (3, 6)).astype(np.float32)
    for m, opt in ((km, keras.optimizers.SGD(0.1)), (nm, nerve.optimizers.SGD(0.1))):
        m.compile(optimizer=opt, loss="mse")
    k_loss = float(np.ravel(km.train_on_batch(x, y))[0])
    assert float(np.ravel(nm.train_on_batch(x, y))[0]) == pytest.approx(k_loss, rel=1e-5)
    for got, want in zip(nm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_recurrent_cell_refuses_glu():
    # glu halves its input, so a gate would lose half its units (Keras fails on the shapes).
    with pytest.raises(
        ValueError,
        match=r"LSTM.*'glu' is not supported in a recurrent cell.*"
        r"supported: .*hard_sigmoid",
    ):
        nerve.layers.LSTM(4, activation="glu", name="lstm_glu")
    with pytest.raises(ValueError, match="'glu' is not supported in a recurrent cell"):
        nerve.layers.GRU(4, recurrent_activation="glu")


def test_get_and_serialize_follow_keras():
    for ident in KERAS_FUNCTIONS + [None]:
        want = keras.activations.serialize(keras.activations.get(ident))
        assert A.serialize(A.get(ident)) == want, ident
    assert A.get("swish") is A.silu is A.swish
    assert A.get("hard_swish") is A.hard_silu
    assert A.get(keras.activations.mish) is A.mish  # a Keras function, by its name
    assert A.deserialize("gelu") is A.gelu
    layer = nerve.layers.Dense(3, activation=A.leaky_relu)
    assert layer.get_config()["activation"] == "leaky_relu"
    assert nerve.layers.Dense(3, activation="swish").get_config()["activation"] == "silu"
    np.testing.assert_allclose(A.get("relu")(np.array([-1.0, 2.0])), [0.0, 2.0])
    import copy
    import pickle

    assert copy.deepcopy(A.elu) is A.elu and pickle.loads(pickle.dumps(A.elu)) is A.elu


def test_unknown_and_unusable_names_raise():
    with pytest.raises(
        ValueError,
        match=r"Unknown activation 'relu7'\. Valid names: .*celu.*"
        r"hard_swish.*sparsemax",
    ):
        A.get("relu7")
    with pytest.raises(ValueError, match=r"Unknown activation 'nope'\. Valid names: .*mish"):
        nerve.layers.Dense(3, activation="nope")
    with pytest.raises(ValueError, match="Unknown activation"):
        A.get(lambda x: x)
    # threshold has no defaults, so (as in Keras, which fails when the layer is called) a layer
    # cannot use it by name: the error says what to do instead.
    with pytest.raises(ValueError, match="Dense 'thr_dense'.*threshold.*default_value"):
        nerve.layers.Dense(3, activation="threshold", name="thr_dense")
    with pytest.raises(ValueError, match="GRU 'thr_gru'.*threshold"):
        nerve.layers.GRU(3, recurrent_activation="threshold", name="thr_gru")
    with pytest.raises(ValueError, match="glu.*units must be even"):
        nerve.layers.Dense(3, activation="glu")
    with pytest.raises(ValueError, match="takes no max_value"):
        ops.activation(nerve.Tensor(np.ones(3, np.float32)), "elu", max_value=1.0)


@pytest.mark.parametrize(
    "name",
    ["selu", "celu", "log_sigmoid", "hard_sigmoid", "softplus", "relu6", "gelu", "log_softmax"],
)
def test_conv2d_with_activation_trains_like_keras(name):
    # (glu is left out: Keras's Conv2D declares `filters` output channels, so the Dense after it
    # is built for twice the features glu gives. Alone, glu is checked above.)
    # Activations whose derivative follows from the output run fused in the convolution's
    # epilogue (the backward pass reads only the output); the others run after it.
    x = rng.normal(0.0, 1.0, (4, 7, 7, 3)).astype(np.float32)
    km = keras.Sequential(
        [
            keras.Input((7, 7, 3)),
            keras.layers.Conv2D(8, 3, activation=name),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    nm = nerve.Sequential(
        [
            nerve.Input((7, 7, 3)),
            nerve.layers.Conv2D(8, 3, activation=name),
            nerve.layers.Flatten(),
            nerve.layers.Dense(2),
        ]
    )
    nm.set_weights(km.get_weights())
    y = rng.normal(0.0, 1.0, (4, 2)).astype(np.float32)
    km.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    nm.compile(optimizer=nerve.optimizers.SGD(0.05), loss="mse")
    k_loss = float(np.ravel(km.train_on_batch(x, y))[0])
    assert float(np.ravel(nm.train_on_batch(x, y))[0]) == pytest.approx(k_loss, rel=1e-5)
    for got, want in zip(nm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)  # conv sums differ in order
