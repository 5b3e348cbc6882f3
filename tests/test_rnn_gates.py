"""The recurrent cells' gate math on every ISA path (cpp/kernels/cpu/recurrent/gates_*.cpp):
sigmoid and tanh against float64 numpy over their whole range (saturation, tiny values, NaN, the
vector remainder), and the fused LSTM cell against the float64 reference of test_rnn.py."""

import numpy as np
import pytest

from nerve import _core
from test_gemm import isa_params
from test_rnn import ref_rnn

EPS32 = float(np.finfo(np.float32).eps)


def _activation_through_simple_rnn(rows, activation):
    """activation(rows) computed by the SimpleRNN kernel: one step, an identity kernel and a
    zero recurrent kernel, so each batch row's step output is the activation of its input."""
    rows = np.atleast_2d(rows)
    n = rows.shape[1]
    x = _core.Tensor(rows.reshape(len(rows), 1, n).astype(np.float32))
    eye = _core.Tensor(np.eye(n, dtype=np.float32))
    zero = _core.Tensor(np.zeros((n, n), np.float32))
    out = _core.ops.rnn_sequence("SimpleRNN", x, eye, zero, activation=activation)
    return np.array(out)[:, 0]


def _values():
    rng = np.random.default_rng(3)
    return np.concatenate(
        [
            np.linspace(-30, 30, 601),
            rng.standard_normal(200) * 3,
            [0.0, -0.0, 1e-30, -1e-6, 3e-4, 5e-4, 7.9, -8.1, 20.0, -87.0, 88.5, 100.0, -1e4, 1e4],
        ]
    ).astype(np.float32)  # 815 values: not a multiple of any vector width


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_gate_activations_match_float64(isa, activation):
    v = _values()
    got = _activation_through_simple_rnn(v, activation)[0].astype(np.float64)
    v64 = v.astype(np.float64)
    with np.errstate(over="ignore"):
        want = 1.0 / (1.0 + np.exp(-v64)) if activation == "sigmoid" else np.tanh(v64)
    # a few ulps of the result (the functions are Eigen's float approximations), or 1e-38
    # where the result underflows (sigmoid of large negative inputs)
    np.testing.assert_allclose(got, want, rtol=8 * EPS32, atol=1e-38)
    assert np.all(np.abs(got) <= 1.0)


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_nan_propagates_through_the_gates(isa, activation):
    # (a NaN input reaches every unit of its row through the kernel product; the other rows stay
    # finite). 20 units: a vector and a remainder on every path.
    rows = np.linspace(-3, 3, 60, dtype=np.float32).reshape(3, 20)
    rows[1, 4] = np.nan
    got = _activation_through_simple_rnn(rows, activation)
    assert np.isnan(got[1]).all() and np.isfinite(got[[0, 2]]).all()


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
@pytest.mark.parametrize("units", [1, 7, 16, 37])
def test_fused_lstm_cell_matches_the_float64_reference(isa, units):
    rng = np.random.default_rng(units)
    B, T, F = 3, 5, 4
    x = rng.standard_normal((B, T, F)).astype(np.float32)
    W = (rng.standard_normal((F, 4 * units)) * 0.8).astype(np.float32)
    R = (rng.standard_normal((units, 4 * units)) * 0.8).astype(np.float32)
    b = (rng.standard_normal(4 * units) * 0.5).astype(np.float32)
    c0 = (rng.standard_normal((B, units)) * 2).astype(np.float32)
    out = _core.ops.rnn_sequence(
        "LSTM", *(_core.Tensor(a) for a in (x, W, R, b)), None, _core.Tensor(c0)
    )
    want = ref_rnn("LSTM", *(a.astype(np.float64) for a in (x, W, R, b)), c0=c0.astype(np.float64))
    np.testing.assert_allclose(np.array(out), want, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("isa", isa_params(), indirect=True)
def test_fused_lstm_cell_gradients_match_finite_differences(isa):
    rng = np.random.default_rng(5)
    B, T, F, U = 2, 3, 3, 19  # 19 units: a vector and a remainder on every path
    arrays = {
        "x": rng.standard_normal((B, T, F)),
        "W": rng.standard_normal((F, 4 * U)) * 0.6,
        "R": rng.standard_normal((U, 4 * U)) * 0.6,
        "b": rng.standard_normal(4 * U) * 0.5,
        "c0": rng.standard_normal((B, U)),
    }
    arrays = {k: v.astype(np.float32).astype(np.float64) for k, v in arrays.items()}
    G = rng.standard_normal((B, T + 2, U))
    ts = {k: _core.Tensor(v.astype(np.float32), True) for k, v in arrays.items()}
    out = _core.ops.rnn_sequence("LSTM", ts["x"], ts["W"], ts["R"], ts["b"], None, ts["c0"])
    out.backward(_core.Tensor(G.astype(np.float32)))

    def loss(a):
        return float((ref_rnn("LSTM", a["x"], a["W"], a["R"], a["b"], c0=a["c0"]) * G).sum())

    eps = 1e-6
    for name in ("x", "R", "c0"):
        num = np.zeros_like(arrays[name])
        for idx in np.ndindex(num.shape):
            plus = {k: v.copy() for k, v in arrays.items()}
            minus = {k: v.copy() for k, v in arrays.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            num[idx] = (loss(plus) - loss(minus)) / (2 * eps)
        np.testing.assert_allclose(np.array(ts[name].grad), num, rtol=1e-3, atol=1e-4, err_msg=name)
