"""Shared test helpers: finite differences in float64, dataset location."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
import pytest

_REPO = Path(__file__).resolve().parents[1]


def datasets_dir() -> Path | None:
    """$NERVE_DATASETS, else ../shared/datasets beside the checkout; None when neither exists."""
    env = os.environ.get("NERVE_DATASETS")
    for cand in ([Path(env)] if env else []) + [_REPO.parent / "shared" / "datasets"]:
        if (cand / "mnist").is_dir():
            return cand
    return None


def need_mnist(monkeypatch=None):
    d = datasets_dir()
    if d is None:
        pytest.skip("no MNIST files: set NERVE_DATASETS to a folder holding mnist/")
    os.environ["NERVE_DATASETS"] = str(d)
    return d


@contextlib.contextmanager
def switched(get, set_, value):
    """Sets a process-wide choice (ISA path, bfloat16 kernel, conv algorithm) to `value` through
    its setter for the block, checks it took, then restores the previous one."""
    prev = get()
    set_(value)
    try:
        assert get() == value
        yield value
    finally:
        set_(prev)


def activation_reference(name: str, x: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """numpy reference of the activations a GEMM epilogue fuses (leaky_relu's slope: alpha)."""
    if name == "linear":
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "leaky_relu":
        return np.where(x > 0, x, alpha * x)
    raise AssertionError(name)


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar float64 function f at x (float64)."""
    x = x.astype(np.float64).copy()
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f(x)
        flat[i] = old - eps
        fm = f(x)
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return g


def torch_transformer_encoder(torch, weights, E: int, H: int, FF: int):
    """PyTorch's post-norm TransformerEncoderLayer (eval mode) holding the weights of nerve's
    TransformerEncoder(H, E // H, FF): its get_weights() list, in nerve's order."""
    (Wq, bq, Wk, bk, Wv, bv, Wo, bo, g1, b1, W1, c1, W2, c2, g2, b2) = weights
    t = torch.nn.TransformerEncoderLayer(
        E, H, FF, dropout=0.0, batch_first=True, layer_norm_eps=1e-5
    )

    def T_(a):
        return torch.tensor(np.ascontiguousarray(a), dtype=torch.float32)

    sa = t.self_attn
    sa.in_proj_weight.data = T_(np.concatenate([W.reshape(E, E).T for W in (Wq, Wk, Wv)]))
    sa.in_proj_bias.data = T_(np.concatenate([b.reshape(E) for b in (bq, bk, bv)]))
    sa.out_proj.weight.data, sa.out_proj.bias.data = T_(Wo.reshape(E, E).T), T_(bo)
    t.norm1.weight.data, t.norm1.bias.data = T_(g1), T_(b1)
    t.linear1.weight.data, t.linear1.bias.data = T_(W1.T), T_(c1)
    t.linear2.weight.data, t.linear2.bias.data = T_(W2.T), T_(c2)
    t.norm2.weight.data, t.norm2.bias.data = T_(g2), T_(b2)
    return t.eval()
