"""Winograd F(4x4, 3x3), the algorithm of 3x3 stride-1 convolutions from 3 input channels: forward and
every gradient against PyTorch CPU and float64 (on every ISA's transform kernels), finite
differences, which convolutions 'auto' sends to it, and the setting itself."""

import os
import subprocess
import sys

import numpy as np
import pytest

import nerve
from nerve import _core

import _conv_reference as ref


def _conv(x, k, b, padding, activation="linear", grad=None):
    xt = nerve.Tensor(x, requires_grad=True)
    kt = nerve.Tensor(k, requires_grad=True)
    bt = nerve.Tensor(b, requires_grad=True)
    y = _core.ops.conv2d(xt, kt, bt, (1, 1), padding, (1, 1), activation)
    out = np.array(y)
    if grad is None:
        return out
    y.backward(nerve.Tensor(grad))
    return out, np.array(xt.grad), np.array(kt.grad), np.array(bt.grad)


# The grid restricted to what Winograd computes (3x3, stride 1, dilation 1), forced onto
# it even for 1 channel, plus wider layers: odd sizes (edge tiles that hang over the output by
# 1-3 pixels), counts off the vector widths (12, 20, 40), batch 1 and 5.
TORCH_GRID = [
    (n, cin, cout, H, W, padding)
    for n in (1, 5)
    for cin, cout in ((1, 4), (3, 4), (8, 4), (16, 16), (20, 40))
    for H, W in ((7, 9),)
    for padding in ("valid", "same")
] + [
    (2, 32, 64, 28, 28, "same"),
    (1, 16, 17, 3, 3, "valid"),
    (3, 17, 12, 4, 5, "same"),
    (2, 64, 64, 13, 10, "same"),
    (1, 128, 20, 6, 6, "valid"),
]


@pytest.mark.parametrize("conv_algorithm", ["winograd"], indirect=True)
@pytest.mark.parametrize("n,cin,cout,H,W,padding", TORCH_GRID)
def test_winograd_matches_torch(conv_algorithm, n, cin, cout, H, W, padding):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(n * 1000 + cin * 10 + cout + H)
    x = rng.standard_normal((n, H, W, cin)).astype(np.float32)
    k = (rng.standard_normal((3, 3, cin, cout)) / np.sqrt(9 * cin)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    X = torch.tensor(x).permute(0, 3, 1, 2).requires_grad_()
    K = torch.tensor(k).permute(3, 2, 0, 1).contiguous().requires_grad_()
    B = torch.tensor(b).requires_grad_()
    Y = F.conv2d(X, K, B, padding=1 if padding == "same" else 0)
    G = rng.standard_normal(tuple(Y.permute(0, 2, 3, 1).shape)).astype(np.float32)
    Y.backward(torch.tensor(G).permute(0, 3, 1, 2))

    y, dx, dk, db = _conv(x, k, b, padding, grad=G)
    tol = dict(rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y, Y.detach().permute(0, 2, 3, 1).numpy(), **tol)
    np.testing.assert_allclose(dx, X.grad.permute(0, 2, 3, 1).numpy(), **tol)
    # dW sums over every pixel of the batch: the tolerance scales with that count.
    np.testing.assert_allclose(
        dk, K.grad.permute(2, 3, 1, 0).numpy(), rtol=1e-4, atol=1e-5 * n * H * W
    )
    np.testing.assert_allclose(db, B.grad.numpy(), rtol=1e-4, atol=1e-5 * n * H * W)


# Every ISA's transform kernels, against float64: channel counts below, at and off the vector
# widths (4, 8, 16 floats, and the 8- and 4-float remainders), and the epilogue (bias, relu in
# the kernel, tanh after it).
ISA_GRID = [
    # n, H, W, cin, cout, padding, activation
    (1, 7, 9, 16, 16, "same", "linear"),
    (2, 5, 6, 3, 5, "valid", "relu"),
    (2, 9, 7, 20, 40, "same", "relu"),
    (3, 6, 11, 33, 17, "valid", "tanh"),
    (1, 4, 4, 64, 64, "same", "linear"),
    (2, 10, 13, 29, 28, "same", "relu"),  # 28 = 16 + 8 + 4: every remainder width
]


@pytest.mark.parametrize("conv_algorithm", ["winograd"], indirect=True)
@pytest.mark.parametrize(
    "isa",
    [i for i in ("avx512", "avx2", "generic") if i in _core.config()["usable_isas"]],
    indirect=True,
)
@pytest.mark.parametrize(
    "case", ISA_GRID, ids=lambda c: f"{c[3]}to{c[4]}-{c[1]}x{c[2]}-{c[5]}-{c[6]}"
)
def test_winograd_on_every_isa(conv_algorithm, isa, case):
    n, H, W, cin, cout, padding, activation = case
    rng = np.random.default_rng(cin * 7 + cout)
    x = rng.standard_normal((n, H, W, cin)).astype(np.float32)
    k = (rng.standard_normal((3, 3, cin, cout)) * 0.2).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    z = ref.conv2d(x, k, b, (1, 1), padding, (1, 1))
    act, dact = {
        "linear": (lambda v: v, lambda v: np.ones_like(v)),
        "relu": (lambda v: np.maximum(v, 0), lambda v: (v > 0).astype(np.float64)),
        "tanh": (np.tanh, lambda v: 1 - np.tanh(v) ** 2),
    }[activation]
    G = rng.standard_normal(z.shape)
    y, dx, dk, db = _conv(x, k, b, padding, activation, grad=G.astype(np.float32))
    np.testing.assert_allclose(y, act(z), rtol=1e-4, atol=2e-4)
    ref_dx, ref_dk, ref_db = ref.conv2d_grads(x, k, G * dact(z), (1, 1), padding, (1, 1))
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-4, atol=2e-4)
    np.testing.assert_allclose(dk, ref_dk, rtol=1e-4, atol=5e-4)
    np.testing.assert_allclose(db, ref_db, rtol=1e-4, atol=2e-4)


@pytest.mark.parametrize("conv_algorithm", ["winograd"], indirect=True)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_winograd_finite_differences(conv_algorithm, padding):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 5, 6, 2)).astype(np.float32)
    k = rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    y64 = ref.conv2d(x, k, b, (1, 1), padding, (1, 1))
    G = rng.standard_normal(y64.shape)
    y, dx, dk, db = _conv(x, k, b, padding, grad=G.astype(np.float32))
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=2e-5)

    def loss(a):
        return float((ref.conv2d(a[0], a[1], a[2], (1, 1), padding, (1, 1)) * G).sum())

    for i, got in enumerate((dx, dk, db)):
        np.testing.assert_allclose(got, ref.numeric_grad(loss, [x, k, b], i), rtol=1e-4, atol=1e-4)


def _outputs_under(algorithm, x, k, b, strides=(1, 1), padding="same", dilation=(1, 1)):
    prev = _core.conv_algorithm()
    _core.set_conv_algorithm(algorithm)
    try:
        xt, kt = nerve.Tensor(x, requires_grad=True), nerve.Tensor(k, requires_grad=True)
        y = _core.ops.conv2d(xt, kt, nerve.Tensor(b), strides, padding, dilation)
        y.backward(nerve.Tensor(np.ones(y.shape, np.float32)))
        return np.array(y), np.array(xt.grad), np.array(kt.grad)
    finally:
        _core.set_conv_algorithm(prev)


@pytest.mark.parametrize(
    "cin,cout,ks,strides,dilation,expected",
    [
        (3, 32, 3, (1, 1), (1, 1), "winograd"),
        (64, 32, 3, (1, 1), (1, 1), "winograd"),
        (16, 4, 3, (1, 1), (1, 1), "winograd"),
        (1, 32, 3, (1, 1), (1, 1), "direct"),  # a grayscale first layer: 36 GEMMs 1 deep
        (2, 32, 3, (1, 1), (1, 1), "direct"),
        (16, 3, 3, (1, 1), (1, 1), "direct"),  # too few filters
        (32, 32, 5, (1, 1), (1, 1), "direct"),  # not 3x3
        (32, 32, 3, (2, 2), (1, 1), "direct"),  # strided
        (32, 32, 3, (1, 1), (2, 2), "direct"),  # dilated
    ],
)
def test_auto_sends_3x3_stride1_from_3_channels_to_winograd(
    cin, cout, ks, strides, dilation, expected
):
    rng = np.random.default_rng(cin + cout)
    x = rng.standard_normal((2, 9, 10, cin)).astype(np.float32)
    k = (rng.standard_normal((ks, ks, cin, cout)) * 0.1).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    auto = _outputs_under("auto", x, k, b, strides, "same", dilation)
    chosen = _outputs_under(expected, x, k, b, strides, "same", dilation)
    other = _outputs_under(
        "direct" if expected == "winograd" else "winograd", x, k, b, strides, "same", dilation
    )
    for a, c, o in zip(auto, chosen, other):
        np.testing.assert_array_equal(a, c)  # bit for bit: the same algorithm ran
        np.testing.assert_allclose(a, o, rtol=1e-4, atol=1e-4)  # and the two agree
    if expected == "winograd":  # the two differ in rounding, so the check above is not vacuous
        assert any(not np.array_equal(a, o) for a, o in zip(auto, other))


def test_conv_algorithm_setting():
    prev = nerve.conv_algorithm()
    try:
        for name in ("direct", "winograd", "AUTO"):
            nerve.set_conv_algorithm(name)
            assert nerve.conv_algorithm() == name.lower()
            assert nerve.config()["conv_algorithm"] == name.lower()
        with pytest.raises(ValueError, match="expected one of auto, direct, winograd"):
            nerve.set_conv_algorithm("fft")
    finally:
        nerve.set_conv_algorithm(prev)


def test_conv_algorithm_environment_variable():
    code = "import numpy as np, nerve\nfrom nerve import _core\nprint(_core.conv_algorithm())\n"
    env = dict(os.environ, NERVE_CONV_ALGORITHM="direct")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "direct"
    env["NERVE_CONV_ALGORITHM"] = "fast"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert 'NERVE_CONV_ALGORITHM: unknown convolution algorithm "fast"' in out.stderr


@pytest.mark.parametrize(
    "threads,channels,expected", [(2, 384, "winograd"), (2, 400, "direct"), (1, 400, "winograd")]
)
def test_auto_caps_winograd_memory(threads, channels, expected):
    # Winograd's backward keeps (1 + threads) transformed kernels of 36 * C * F floats; past
    # 64 MiB `auto` runs direct: 3 * 36 * 400 * 400 * 4 bytes = 66 MiB on 2 threads, while
    # 384 channels (61 MiB) and 1 thread at 400 (44 MiB) stay under
    prev_threads = nerve.num_threads()
    nerve.set_num_threads(threads)
    try:
        rng = np.random.default_rng(channels)
        x = rng.standard_normal((1, 4, 4, channels)).astype(np.float32)
        k = (rng.standard_normal((3, 3, channels, channels)) * 0.02).astype(np.float32)
        b = np.zeros(channels, np.float32)
        auto = _outputs_under("auto", x, k, b)
        chosen = _outputs_under(expected, x, k, b)
        other = _outputs_under("direct" if expected == "winograd" else "winograd", x, k, b)
    finally:
        nerve.set_num_threads(prev_threads)
    for a, c in zip(auto, chosen):
        np.testing.assert_array_equal(a, c)  # bit for bit: the expected algorithm ran
    assert any(not np.array_equal(a, o) for a, o in zip(auto, other))
