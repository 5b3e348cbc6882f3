"""nerve.mixed_precision: Keras 3's dtype policies ("float32", "mixed_bfloat16").

Under "mixed_bfloat16" Dense and Conv2D round both operands of every matrix product (forward, dX,
dW) to bfloat16 and sum in float32; the checks compare against float64 math on the rounded
operands (within float32 summation error) and against the float32 layer (within bfloat16
rounding, and not equal to it). On every NERVE_ISA path this CPU runs: each sets the float32 ISA
and the bfloat16 kernel together (amx and avx512_bf16 their kernel with the avx512 float32 ones;
avx512, avx2 and generic the plain bfloat16 path), as the environment variable does.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import nerve
from nerve import _core
from nerve import layers as L
from nerve import mixed_precision as mp

from _conv_reference import conv2d as conv_ref
from _conv_reference import conv2d_grads as conv_grads_ref
from _conv_reference import conv2d_transpose as conv_transpose_ref
from _conv_reference import conv_transpose_geometry
from helpers import switched

EPS32 = float(np.finfo(np.float32).eps)
BF16_HALF_ULP = 2.0**-8  # bfloat16 keeps 8 significant bits: relative rounding error <= 2^-8
# NERVE_ISA's ladder: path name -> (float32 ISA, bfloat16 kernel); the ones this CPU runs.
LADDER = {
    "amx": ("avx512", "amx"),
    "avx512_bf16": ("avx512", "avx512_bf16"),
    "avx512": ("avx512", "plain"),
    "avx2": ("avx2", "plain"),
    "generic": ("generic", "plain"),
}
USABLE = [
    name
    for name, (isa, kernel) in LADDER.items()
    if isa in _core.config()["usable_isas"] and kernel in _core.usable_bf16_kernels()
]


@pytest.fixture
def path(request):
    """Runs the test on the NERVE_ISA path named by its (indirect) parameter, then restores both."""
    isa, kernel = LADDER[request.param]
    with switched(_core.active_isa, _core.set_isa, isa):
        with switched(_core.bf16_kernel, _core.set_bf16_kernel, kernel):
            yield request.param


@pytest.fixture(autouse=True)
def _float32_after():
    """Every test leaves the global policy as it found it ("float32")."""
    yield
    mp.set_global_policy("float32")


def bf16(a):
    """Round to the nearest bfloat16, ties to even (as nerve and PyTorch), in float64."""
    u = np.ascontiguousarray(a, np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32).astype(np.float64)


def check_product(got, want, mag, k):
    """got (float32) against float64 `want` on rounded operands: float32 sums of k terms."""
    tol = 2.0 * (k + 3) * EPS32 * mag + 1e-30
    err = np.abs(np.asarray(got, np.float64) - want)
    assert (err <= tol).all(), (
        f"worst error {err.max():.3g}, tolerance there {tol.flat[err.argmax()]:.3g}"
    )


def check_bf16_vs_f32(got, f32, mag):
    """The bfloat16 result is within the operands' rounding of the float32 one, and not equal."""
    err = np.abs(np.asarray(got, np.float64) - np.asarray(f32, np.float64))
    assert (err <= 3.0 * BF16_HALF_ULP * mag + 1e-6).all()
    assert err.max() > 0.0


# ---- the policy API, against Keras 3 --------------------------------------------------------


def test_policies_have_keras_names_and_attributes():
    for name, compute in (("float32", "float32"), ("mixed_bfloat16", "bfloat16")):
        p = mp.Policy(name)
        assert mp.DTypePolicy is mp.Policy
        assert (p.name, p.compute_dtype, p.variable_dtype) == (name, compute, "float32")
        assert repr(p) == f'<DTypePolicy "{name}">'
        assert p.get_config() == {"name": name} and mp.DTypePolicy.from_config({"name": name}) == p
    assert mp.DTypePolicy().name == "float32"
    assert mp.global_policy() == mp.Policy("float32")
    mp.set_global_policy("mixed_bfloat16")
    assert mp.global_policy().name == "mixed_bfloat16" and mp.dtype_policy() is mp.global_policy()
    mp.set_dtype_policy(mp.Policy("float32"))
    assert mp.global_policy().name == "float32"


@pytest.mark.parametrize("name", ["float16", "bfloat16", "mixed_float16", "float64", "int32"])
def test_other_keras_policies_are_refused_by_name(name):
    with pytest.raises(
        ValueError, match=f"'{name}' is not supported.*'float32' and 'mixed_bfloat16'"
    ):
        mp.Policy(name)
    with pytest.raises(ValueError, match="set_global_policy.*'float32'"):
        mp.set_global_policy(name)
    with pytest.raises(
        ValueError, match=f"Dense 'd': dtype='{name}' is not supported.*mixed_bfloat16"
    ):
        L.Dense(2, dtype=name, name="d")
    assert mp.global_policy().name == "float32"  # unchanged by the failed call


def test_bad_policy_arguments():
    with pytest.raises(ValueError, match="Cannot convert 'foo'"):
        mp.Policy("foo")
    with pytest.raises(TypeError, match="'name' must be a string"):
        mp.Policy(3)
    with pytest.raises(ValueError, match="set_global_policy: invalid policy None"):
        mp.set_global_policy(None)
    with pytest.raises(AttributeError, match="LossScaleOptimizer is not supported"):
        mp.LossScaleOptimizer  # noqa: B018


def test_layer_policy_attributes_match_keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    try:
        for dtype in (None, "float32", "mixed_bfloat16", keras.DTypePolicy("mixed_bfloat16")):
            ours = L.Dense(3, dtype=dtype if not hasattr(dtype, "compute_dtype") else dtype)
            theirs = keras.layers.Dense(3, dtype=dtype)
            for attr in ("dtype", "compute_dtype", "variable_dtype"):
                assert getattr(ours, attr) == getattr(theirs, attr), (dtype, attr)
            assert ours.dtype_policy.name == theirs.dtype_policy.name
        # the global policy reaches layers created after it is set, as in Keras
        mp.set_global_policy("mixed_bfloat16")
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        ours, theirs = L.Conv2D(2, 3), keras.layers.Conv2D(2, 3)
        assert (ours.compute_dtype, ours.dtype) == (theirs.compute_dtype, theirs.dtype)
        assert ours.get_config()["dtype"] == theirs.get_config()["dtype"]  # Keras's serialised form
        assert (
            mp.Policy("mixed_bfloat16").get_config()
            == keras.DTypePolicy("mixed_bfloat16").get_config()
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_per_layer_policy_overrides_the_global_one():
    mp.set_global_policy("mixed_bfloat16")
    plain = L.Dense(2, dtype="float32")
    mixed = L.Dense(2)
    assert plain.compute_dtype == "float32" and mixed.compute_dtype == "bfloat16"
    assert plain._core.precision == "float32" and mixed._core.precision == "mixed_bfloat16"
    mp.set_global_policy("float32")
    assert mixed.compute_dtype == "bfloat16"  # fixed when the layer was made, as Keras
    assert L.Dense(2, dtype=mp.Policy("mixed_bfloat16"))._core.precision == "mixed_bfloat16"


def test_layers_without_a_bfloat16_path_refuse_the_policy():
    with pytest.raises(ValueError, match="'mha': dtype policy 'mixed_bfloat16' is not supported"):
        L.MultiHeadAttention(2, 4, dtype="mixed_bfloat16", name="mha")
    # layers without matrix products take it (they compute in float32)
    for layer in (
        L.ReLU(dtype="mixed_bfloat16"),
        L.MaxPooling2D(dtype="mixed_bfloat16"),
        L.Flatten(),
    ):
        assert layer.dtype == "float32"


# ---- Dense and Conv2D under mixed_bfloat16 ----------------------------------------------------


def _layer_run(layer, x, weights, dy):
    """The layer's output on x and the gradients of sum(output * dy) with respect to x and its
    trainable weights (set to `weights` first), as numpy arrays."""
    nerve.Sequential([nerve.Input(x.shape[1:]), layer])
    layer.set_weights(weights)
    xt = nerve.Tensor(x)
    with nerve.GradientTape() as tape:
        tape.watch([xt])
        y = layer(xt)
        loss = nerve.ops.sum(nerve.ops.multiply(y, nerve.Tensor(dy)))
    grads = tape.gradient(loss, [xt, *layer.trainable_weights])
    return [np.asarray(a) for a in (y, *grads)]


def _dense_run(policy, x, w, b, dy):
    return _layer_run(L.Dense(w.shape[1], dtype=policy), x, [w, b], dy)


@pytest.mark.parametrize("path", USABLE, indirect=True)
def test_dense_forward_and_backward_round_operands_to_bfloat16(path):
    rng = np.random.default_rng(1)
    M, K, N = 37, 300, 29
    x, w = rng.normal(size=(M, K)).astype(np.float32), rng.normal(size=(K, N)).astype(np.float32)
    b, dy = rng.normal(size=N).astype(np.float32), rng.normal(size=(M, N)).astype(np.float32)
    y, dx, dw, db = _dense_run("mixed_bfloat16", x, w, b, dy)
    X, W, DY = bf16(x), bf16(w), bf16(dy)
    check_product(y, X @ W + b, np.abs(X) @ np.abs(W) + np.abs(b), K)
    check_product(dx, DY @ W.T, np.abs(DY) @ np.abs(W.T), N)
    check_product(dw, X.T @ DY, np.abs(X.T) @ np.abs(DY), M)
    np.testing.assert_allclose(db, dy.astype(np.float64).sum(0), rtol=1e-5, atol=1e-5)  # no product
    f32 = _dense_run("float32", x, w, b, dy)
    x64, w64, dy64 = (a.astype(np.float64) for a in (x, w, dy))
    for got, want, mag in zip(
        (y, dx, dw),
        f32[:3],
        (np.abs(x64) @ np.abs(w64), np.abs(dy64) @ np.abs(w64.T), np.abs(x64.T) @ np.abs(dy64)),
    ):
        check_bf16_vs_f32(got, want, mag)


def _conv_run(policy, x, k, b, dy, activation=None):
    layer = L.Conv2D(k.shape[3], k.shape[:2], padding="same", activation=activation, dtype=policy)
    return _layer_run(layer, x, [k, b], dy)


@pytest.mark.parametrize("path", USABLE, indirect=True)
@pytest.mark.parametrize("channels", [1, 16])  # im2col-sized and implicit-GEMM-sized in float32
def test_conv2d_forward_and_backward_round_operands_to_bfloat16(path, channels):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 9, 8, channels)).astype(np.float32)
    k = rng.normal(size=(3, 3, channels, 12)).astype(np.float32)  # 3x3: Winograd in float32
    b, dy = (
        rng.normal(size=12).astype(np.float32),
        rng.normal(size=(3, 9, 8, 12)).astype(np.float32),
    )
    y, dx, dk, db = _conv_run("mixed_bfloat16", x, k, b, dy)
    X, Kr, DY = bf16(x), bf16(k), bf16(dy)
    taps = 9 * channels
    same = {"padding": "same"}
    check_product(
        y, conv_ref(X, Kr, b, **same), conv_ref(np.abs(X), np.abs(Kr), np.abs(b), **same), taps
    )
    rdx, rdk, _ = conv_grads_ref(X, Kr, DY, **same)
    mdx, mdk, _ = conv_grads_ref(np.abs(X), np.abs(Kr), np.abs(DY), **same)
    check_product(dx, rdx, mdx, 9 * 12)
    check_product(dk, rdk, mdk, x.shape[0] * 9 * 8)
    np.testing.assert_allclose(db, dy.astype(np.float64).sum((0, 1, 2)), rtol=1e-5, atol=1e-4)
    f32 = _conv_run("float32", x, k, b, dy)
    check_bf16_vs_f32(y, f32[0], conv_ref(np.abs(x), np.abs(k), np.abs(b), **same))
    check_bf16_vs_f32(dx, f32[1], mdx * (1 + 2 * BF16_HALF_ULP) ** 2)
    check_bf16_vs_f32(dk, f32[2], mdk * (1 + 2 * BF16_HALF_ULP) ** 2)


@pytest.mark.parametrize(
    "geometry",
    [
        {"strides": 2, "padding": "valid"},
        {"dilation_rate": 2, "padding": "same"},
        {"strides": (1, 2), "padding": "same", "kernel_size": (1, 1)},
    ],
)
def test_conv2d_other_geometries_match_the_rounded_reference(geometry):
    """Strides, dilation and 1x1 kernels (a plain GEMM in float32) take the same bf16 path."""
    rng = np.random.default_rng(5)
    geometry = dict(geometry)
    ksize = geometry.pop("kernel_size", (3, 3))
    x = rng.normal(size=(2, 9, 10, 5)).astype(np.float32)
    k = rng.normal(size=(*ksize, 5, 6)).astype(np.float32)
    layer = L.Conv2D(6, ksize, dtype="mixed_bfloat16", **geometry)
    nerve.Sequential([nerve.Input(x.shape[1:]), layer])
    layer.set_weights([k, np.zeros(6, np.float32)])
    s = geometry.get("strides", 1)
    d = geometry.get("dilation_rate", 1)
    opts = {
        "strides": s if isinstance(s, tuple) else (s, s),
        "padding": geometry["padding"],
        "dilation": (d, d),
    }
    X, Kr = bf16(x), bf16(k)
    taps = ksize[0] * ksize[1] * 5
    check_product(
        layer(x), conv_ref(X, Kr, None, **opts), conv_ref(np.abs(X), np.abs(Kr), None, **opts), taps
    )


def _conv1d_reference(x, k, stride=1):
    """float64 'valid' conv1d: y[b, t, f] = sum_{j, c} x[b, t * stride + j, c] k[j, c, f]."""
    K = k.shape[0]
    To = (x.shape[1] - K) // stride + 1
    windows = np.stack([x[:, j : j + (To - 1) * stride + 1 : stride, :] for j in range(K)], 2)
    return np.einsum("btjc,jcf->btf", windows, k)


@pytest.mark.parametrize("path", USABLE, indirect=True)
def test_conv1d_forward_and_backward_round_operands_to_bfloat16(path):
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 20, 6)).astype(np.float32)
    k = rng.normal(size=(3, 6, 7)).astype(np.float32)
    dy = rng.normal(size=(4, 9, 7)).astype(np.float32)

    def run(policy):
        layer = L.Conv1D(7, 3, strides=2, use_bias=False, dtype=policy)
        nerve.Sequential([nerve.Input(x.shape[1:]), layer])
        layer.set_weights([k])
        xt = nerve.Tensor(x)
        with nerve.GradientTape() as tape:
            tape.watch([xt])
            loss = nerve.ops.sum(nerve.ops.multiply(layer(xt), nerve.Tensor(dy)))
        return [
            np.asarray(a) for a in (layer(x), *tape.gradient(loss, [xt, *layer.trainable_weights]))
        ]

    y, dx, dk = run("mixed_bfloat16")
    X, Kr, DY = bf16(x), bf16(k), bf16(dy)
    check_product(y, _conv1d_reference(X, Kr, 2), _conv1d_reference(np.abs(X), np.abs(Kr), 2), 18)
    # the gradients through the adjoint: d/dx and d/dk of sum(conv1d(x, k) * dy), on rounded operands
    eye_x = np.zeros_like(X)
    rdk = np.einsum("btjc,btf->jcf", np.stack([X[:, j : j + 17 : 2, :] for j in range(3)], 2), DY)
    mdk = np.einsum(
        "btjc,btf->jcf",
        np.stack([np.abs(X)[:, j : j + 17 : 2, :] for j in range(3)], 2),
        np.abs(DY),
    )
    rdx, mdx = eye_x.copy(), eye_x.copy()
    for j in range(3):
        rdx[:, j : j + 17 : 2, :] += DY @ Kr[j].T
        mdx[:, j : j + 17 : 2, :] += np.abs(DY) @ np.abs(Kr[j]).T
    check_product(dk, rdk, mdk, 4 * 9)
    check_product(dx, rdx, mdx, 7 * 3)
    y32, dx32, dk32 = run("float32")
    check_bf16_vs_f32(y, y32, _conv1d_reference(np.abs(x), np.abs(k), 2))
    check_bf16_vs_f32(dk, dk32, mdk * (1 + 2 * BF16_HALF_ULP) ** 2)


def _conv_transpose_grads(x, k, dy, strides, padding, output_padding):
    """float64 gradients (dx, dk) of sum(conv2d_transpose(x, k) * dy): every input pixel o meets
    output pixel o * stride - pad + tap through kernel cell tap (k [KH, KW, F, Cin])."""
    x, k, dy = (np.asarray(a, np.float64) for a in (x, k, dy))
    _, H, W, _ = x.shape
    KH, KW = k.shape[:2]
    op = (None, None) if output_padding is None else output_padding
    ph, OH = conv_transpose_geometry(H, KH, strides[0], padding, op[0])
    pw, OW = conv_transpose_geometry(W, KW, strides[1], padding, op[1])
    dx, dk = np.zeros_like(x), np.zeros_like(k)
    for i in range(KH):
        for j in range(KW):
            for o in range(H):
                r = o * strides[0] - ph + i
                for q in range(W):
                    c = q * strides[1] - pw + j
                    if 0 <= r < OH and 0 <= c < OW:
                        dx[:, o, q, :] += dy[:, r, c, :] @ k[i, j]
                        dk[i, j] += dy[:, r, c, :].T @ x[:, o, q, :]
    return dx, dk


@pytest.mark.parametrize("path", USABLE, indirect=True)
@pytest.mark.parametrize(
    "cin,filters,ksize,strides,padding,output_padding",
    [
        (16, 8, (4, 4), (2, 2), "same", None),  # a DCGAN generator's upsampling (phases in float32)
        (5, 3, (3, 3), (2, 2), "same", None),  # a VAE decoder's, few channels
        (6, 4, (3, 2), (2, 3), "valid", (1, 0)),  # uneven strides, output_padding
        (4, 7, (3, 3), (1, 1), "same", None),  # stride 1
    ],
)
def test_conv2d_transpose_forward_and_backward_round_operands_to_bfloat16(
    path, cin, filters, ksize, strides, padding, output_padding
):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 5, 4, cin)).astype(np.float32)
    k = rng.normal(size=(*ksize, filters, cin)).astype(np.float32)
    b = rng.normal(size=filters).astype(np.float32)
    geo = {"strides": strides, "padding": padding, "output_padding": output_padding}

    def run(policy):
        layer = L.Conv2DTranspose(filters, ksize, dtype=policy, **geo)
        return _layer_run(layer, x, [k, b], dy)

    dy_shape = conv_transpose_ref(x, k, None, **geo).shape
    dy = rng.normal(size=dy_shape).astype(np.float32)
    y, dx, dk, db = run("mixed_bfloat16")
    X, Kr, DY = bf16(x), bf16(k), bf16(dy)
    taps = ksize[0] * ksize[1]
    check_product(
        y,
        conv_transpose_ref(X, Kr, b, **geo),
        conv_transpose_ref(abs(X), abs(Kr), abs(b), **geo),
        taps * cin,
    )
    rdx, rdk = _conv_transpose_grads(X, Kr, DY, strides, padding, output_padding)
    mdx, mdk = _conv_transpose_grads(abs(X), abs(Kr), abs(DY), strides, padding, output_padding)
    check_product(dx, rdx, mdx, taps * filters)
    check_product(dk, rdk, mdk, x.shape[0] * x.shape[1] * x.shape[2])
    np.testing.assert_allclose(db, dy.astype(np.float64).sum((0, 1, 2)), rtol=1e-5, atol=1e-4)
    y32, dx32, dk32, _ = run("float32")
    check_bf16_vs_f32(y, y32, conv_transpose_ref(abs(x), abs(k), abs(b), **geo))
    check_bf16_vs_f32(dx, dx32, mdx * (1 + 2 * BF16_HALF_ULP) ** 2)
    check_bf16_vs_f32(dk, dk32, mdk * (1 + 2 * BF16_HALF_ULP) ** 2)


def test_conv2d_fused_activation_gradient_is_rounded_after_the_activation():
    """dZ (after relu's derivative) is what the bfloat16 products read."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 6, 6, 4)).astype(np.float32)
    k = rng.normal(size=(3, 3, 4, 5)).astype(np.float32)
    b, dy = rng.normal(size=5).astype(np.float32), rng.normal(size=(2, 6, 6, 5)).astype(np.float32)
    y, dx, dk, _ = _conv_run("mixed_bfloat16", x, k, b, dy, activation="relu")
    DZ = bf16(np.where(y > 0, dy, 0.0))
    X, Kr = bf16(x), bf16(k)
    rdx, rdk, _ = conv_grads_ref(X, Kr, DZ, padding="same")
    mdx, mdk, _ = conv_grads_ref(np.abs(X), np.abs(Kr), np.abs(DZ), padding="same")
    check_product(dx, rdx, mdx, 9 * 5)
    check_product(dk, rdk, mdk, 2 * 36)


# ---- SimpleRNN, LSTM and GRU under mixed_bfloat16 -------------------------------------------


def _rounded_matmul(torch):
    """a @ b on bfloat16-rounded operands in float64, whose backward also rounds its operands
    (the incoming gradient and the other factor), as each of nerve's products does."""

    def r(t):  # float64 -> float32 -> bfloat16 (ties to even) -> float64
        return t.float().bfloat16().double()

    class RoundedMatmul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return r(a) @ r(b)

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return r(g) @ r(b).T, r(a).T @ r(g)

    return RoundedMatmul.apply


def _rnn_reference(cell, x, w, u, b, dy):
    """Keras's cell (default activations, reset_after GRU, return_sequences) in float64 with every
    product on rounded operands: the outputs and the gradients of sum(y * dy)."""
    torch = pytest.importorskip("torch")
    mm = _rounded_matmul(torch)
    X, W, Uk, Bs = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, u, b))
    n, units = x.shape[0], u.shape[0]
    h = torch.zeros(n, units, dtype=torch.float64)
    c = torch.zeros_like(h)
    ys = []
    for t in range(x.shape[1]):
        xw = mm(X[:, t], W)
        if cell == "SimpleRNN":
            h = torch.tanh(xw + mm(h, Uk) + Bs)
        elif cell == "LSTM":
            i, f, g, o = (xw + mm(h, Uk) + Bs).split(units, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        else:  # GRU, reset_after: bias [input; recurrent]
            xz, xr, xh = (xw + Bs[0]).split(units, dim=1)
            hz, hr, hh = (mm(h, Uk) + Bs[1]).split(units, dim=1)
            z, r = torch.sigmoid(xz + hz), torch.sigmoid(xr + hr)
            h = z * h + (1 - z) * torch.tanh(xh + r * hh)
        ys.append(h)
    y = torch.stack(ys, dim=1)
    (y * torch.tensor(dy, dtype=torch.float64)).sum().backward()
    return [a.detach().numpy() for a in (y, X.grad, W.grad, Uk.grad, Bs.grad)]


@pytest.mark.parametrize("path", USABLE, indirect=True)
@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("n", [5, 37])  # 37: two threads' blocks of rows, none a tile multiple
def test_recurrent_forward_and_backward_round_operands_to_bfloat16(path, cell, n):
    """Every product of the forward pass and of backprop through time (x W, h U, dZ W^T, dZ U^T,
    xs^T dZ, hs^T dZ) rounds its operands: nerve matches the float64 reference built from rounded
    products within float32 error, and differs from its own float32 layer by bfloat16 rounding."""
    rng = np.random.default_rng(11)
    steps, features, units = 6, 7, 9
    gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[cell]
    x = rng.normal(size=(n, steps, features)).astype(np.float32)
    w = (0.5 * rng.normal(size=(features, gates * units))).astype(np.float32)
    u = (0.5 * rng.normal(size=(units, gates * units))).astype(np.float32)
    b_shape = (2, gates * units) if cell == "GRU" else (gates * units,)
    b = (0.3 * rng.normal(size=b_shape)).astype(np.float32)
    dy = rng.normal(size=(n, steps, units)).astype(np.float32)

    def run(policy):
        layer = getattr(L, cell)(units, return_sequences=True, dtype=policy)
        return _layer_run(layer, x, [w, u, b], dy)

    with switched(nerve.num_threads, nerve.set_num_threads, 2):
        got = run("mixed_bfloat16")
    want = _rnn_reference(cell, x, w, u, b, dy)
    f32 = run("float32")
    for name, g, r, s in zip(("y", "dx", "dW", "dU", "db"), got, want, f32):
        scale = np.abs(r).max()
        # float32 sums and gate math through 6 steps; bfloat16 rounding is 2^-9 relative, ~100x
        # more. Where nerve's float32 h or dZ and the float64 one straddle a bfloat16 rounding
        # boundary the two round it one bfloat16 step apart, which then spreads through that batch
        # row and, in dW / dU, that gate's column (seen: 1 row of 37, 4% of dW): at most 10% of
        # the values may be off, by up to 2 bfloat16 steps; the float32 layer misses on far more.
        err, err32 = np.abs(g - r), np.abs(s - r)
        assert (err <= 4 * BF16_HALF_ULP * scale).all(), f"{cell} {name}: {err.max():.3g}"
        assert (err > 2e-5 * scale).mean() <= 0.1, f"{cell} {name}: {(err > 2e-5 * scale).mean()}"
        assert (err32 > 2e-5 * scale).mean() > 0.3, f"{cell} {name}: float32 not told apart"
        np.testing.assert_allclose(g, s, rtol=0, atol=0.05 * scale, err_msg=f"{cell} {name}")


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_policy_trains_and_survives_save_and_load(tmp_path, cell):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5, 3)).astype(np.float32)
    y = (x.sum((1, 2)) > 0).astype(np.float32)
    model = nerve.Sequential(
        [
            nerve.Input((5, 3)),
            getattr(L, cell)(8, dtype="mixed_bfloat16", go_backwards=True),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.layers[0]._core.precision == "mixed_bfloat16"
    path = tmp_path / "rnn.nerve"
    model.save(path)
    again = nerve.models.load_model(path)
    assert again.layers[0].dtype_policy.name == "mixed_bfloat16"
    assert again.layers[0]._core.precision == "mixed_bfloat16"
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


# ---- training, traced steps, saving ------------------------------------------------------------


def _mnist_like(n=512, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(4, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 4, size=n)
    x = (centers[y] + 0.7 * rng.normal(size=(n, 8, 8, 1))).astype(np.float32)
    return x, y.astype(np.float32)


def _cnn(seed=0):
    nerve.utils.set_random_seed(seed)
    return nerve.Sequential(
        [
            nerve.Input((8, 8, 1)),
            L.Conv2D(8, 3, activation="relu"),
            L.MaxPooling2D(),
            L.Flatten(),
            L.Dense(16, activation="relu"),
            L.Dense(4, activation="softmax"),
        ]
    )


def test_a_model_trains_under_the_policy():
    x, y = _mnist_like()
    mp.set_global_policy("mixed_bfloat16")
    model = _cnn()
    assert all(layer.compute_dtype == "bfloat16" for layer in model.layers)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=4, verbose=0)
    loss = history.history["loss"]
    assert loss[-1] < 0.5 * loss[0] and history.history["accuracy"][-1] > 0.9
    assert all(w.dtype == np.float32 for w in model.get_weights())  # weights stay float32
    mp.set_global_policy("float32")
    plain = _cnn()
    plain.compile("adam", "sparse_categorical_crossentropy")
    plain_loss = plain.fit(x, y, batch_size=32, epochs=4, verbose=0).history["loss"]
    assert loss != plain_loss  # the policy changed the arithmetic
    np.testing.assert_allclose(loss, plain_loss, rtol=0.1)


class _GuideModel(nerve.Sequential):
    def train_step(self, data):
        x, y = data
        with nerve.GradientTape() as tape:
            loss = self.compute_loss(y=y, y_pred=self(x, training=True))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return {"loss": loss}


def _mlp(cls, policy):
    nerve.utils.set_random_seed(4)
    return cls(
        [nerve.Input((64,)), L.Dense(32, activation="relu", dtype=policy), L.Dense(4, dtype=policy)]
    )


def test_traced_train_step_honours_the_policy():
    x, y = _mnist_like(256)
    x = x.reshape(len(x), 64)
    y1 = np.eye(4, dtype=np.float32)[y.astype(int)]
    weights = {}
    for name, cls, policy in (
        ("builtin", nerve.Sequential, "mixed_bfloat16"),
        ("traced", _GuideModel, "mixed_bfloat16"),
        ("float32", _GuideModel, "float32"),
    ):
        model = _mlp(cls, policy)
        model.compile(nerve.optimizers.SGD(0.05), "mse")
        nerve.utils.set_random_seed(5)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(x, y1, batch_size=32, epochs=2, shuffle=False, verbose=0)
        assert not [w for w in caught if "Python code" in str(w.message)]  # traced into C++
        weights[name] = model.get_weights()
    for a, b in zip(weights["builtin"], weights["traced"]):
        np.testing.assert_allclose(b, a, atol=1e-6)  # traced step == the built-in one, both bf16
    assert any(
        not np.allclose(b, c, atol=1e-6) for b, c in zip(weights["traced"], weights["float32"])
    )


@pytest.mark.parametrize("suffix", [".nerve", ".keras"])
def test_the_policy_survives_save_and_load(tmp_path, suffix):
    if suffix == ".keras":
        pytest.importorskip("h5py")
    mp.set_global_policy("mixed_bfloat16")
    model = _cnn()
    model.layers[-1].dtype_policy = "float32"  # a per-layer override
    x, _ = _mnist_like(16)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    mp.set_global_policy("float32")  # loading must not depend on the global policy
    again = nerve.models.load_model(path)
    assert [layer.dtype_policy.name for layer in again.layers] == [
        layer.dtype_policy.name for layer in model.layers
    ]
    assert again.layers[0]._core.precision == "mixed_bfloat16"
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_loads_a_keras_model_saved_with_mixed_bfloat16(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        keras.utils.set_random_seed(0)
        km = keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Conv2D(4, 3, activation="relu"),
                keras.layers.Flatten(),
                keras.layers.Dense(3),
            ]
        )
        path = tmp_path / "k.keras"
        km.save(path)
        x, _ = _mnist_like(8)
        want = np.asarray(km.predict(x, verbose=0), np.float64)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    ours = nerve.models.load_model(path)
    assert [layer.compute_dtype for layer in ours.layers] == ["bfloat16"] * 3
    got = ours.predict(x, verbose=0)
    # Keras also rounds the layers' outputs to bfloat16 between layers: bfloat16-level agreement
    np.testing.assert_allclose(got, want, rtol=0.05, atol=0.05 * np.abs(want).max())
