"""Multi-head attention: the op against a float64 numpy reference (masks, causal, gradients by
finite differences), the layer against torch.nn.MultiheadAttention, TransformerEncoder against
torch.nn.TransformerEncoderLayer, stability for huge scores, and bad-input errors."""

import numpy as np
import pytest

import nerve
from nerve import _core, layers

from helpers import torch_transformer_encoder


def ref_attention(q, k, v, H, mask=None, causal=False):
    """float64 reference: a row with no allowed key attends uniformly to every key, as Keras's
    masked softmax does (its -1e9 swamps the scores in float32)."""
    B, Tq, E = q.shape
    Tk = k.shape[1]
    dk, dv = E // H, v.shape[2] // H
    out = np.zeros((B, Tq, H * dv))
    allowed = np.ones((B, Tq, Tk), bool) if mask is None else mask.astype(bool)
    if causal:
        allowed = allowed & np.tril(np.ones((Tq, Tk), bool))[None]
    P = np.zeros((B, H, Tq, Tk))
    for h in range(H):
        s = (
            q[:, :, h * dk : (h + 1) * dk]
            @ k[:, :, h * dk : (h + 1) * dk].transpose(0, 2, 1)
            / np.sqrt(dk)
        )
        s = np.where(allowed, s, -np.inf)
        mx = s.max(-1, keepdims=True)
        e = np.where(allowed, np.exp(s - np.where(np.isfinite(mx), mx, 0)), 0)
        den = e.sum(-1, keepdims=True)
        p = np.divide(e, den, out=np.full_like(e, 1.0 / Tk), where=den > 0)
        P[:, h] = p
        out[:, :, h * dv : (h + 1) * dv] = p @ v[:, :, h * dv : (h + 1) * dv]
    return out, P


def _nerve(q, k, v, H, mask=None, causal=False, grad=None):
    ts = [_core.Tensor(a.astype(np.float32), True) for a in (q, k, v)]
    out = _core.ops.multi_head_attention(
        *ts, H, None if mask is None else mask.astype(np.float32), causal
    )
    o = np.array(out)
    if grad is not None:
        out.backward(_core.Tensor(grad.astype(np.float32)))
    return o, [None if t.grad is None else np.array(t.grad) for t in ts]


def _f32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32).astype(np.float64)


@pytest.mark.parametrize(
    "B,Tq,Tk,H,dk,dv", [(1, 1, 1, 1, 1, 1), (2, 5, 5, 2, 3, 4), (3, 4, 7, 4, 2, 3)]
)
@pytest.mark.parametrize("masking", ["none", "mask", "causal", "both"])
def test_op_matches_float64_reference(B, Tq, Tk, H, dk, dv, masking):
    rng = np.random.default_rng(0)
    q, k, v = _f32(rng, B, Tq, H * dk), _f32(rng, B, Tk, H * dk), _f32(rng, B, Tk, H * dv)
    mask = (
        (rng.random((B, Tq, Tk)) > 0.3).astype(np.float64) if masking in ("mask", "both") else None
    )
    if mask is not None:
        mask[0, 0] = 0  # a query with nothing to attend to
    causal = masking in ("causal", "both")
    out, _ = _nerve(q, k, v, H, mask, causal)
    want, P = ref_attention(q, k, v, H, mask, causal)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    weights = np.array(
        _core.ops.attention_weights(
            q.astype(np.float32),
            k.astype(np.float32),
            H,
            None if mask is None else mask.astype(np.float32),
            causal,
        )
    )
    np.testing.assert_allclose(weights, P, rtol=1e-5, atol=1e-6)
    if causal and Tq == Tk:
        w = weights[0, 0].copy()
        if mask is not None:
            w[0] = 0  # the dead row attends uniformly, future keys too (as Keras)
        assert np.all(np.triu(w, 1) == 0)


@pytest.mark.parametrize("masking", ["none", "mask", "causal"])
def test_op_gradients_match_finite_differences(masking):
    rng = np.random.default_rng(1)
    B, Tq, Tk, H, dk, dv = 2, 3, 4, 2, 2, 3
    if masking == "causal":
        Tk = Tq
    q, k, v = _f32(rng, B, Tq, H * dk), _f32(rng, B, Tk, H * dk), _f32(rng, B, Tk, H * dv)
    mask = (rng.random((B, Tq, Tk)) > 0.3).astype(np.float64) if masking == "mask" else None
    G = rng.standard_normal((B, Tq, H * dv))
    _, grads = _nerve(q, k, v, H, mask, masking == "causal", grad=G)
    arrays = [q, k, v]
    eps = 1e-6
    for i, name in enumerate("qkv"):
        num = np.zeros_like(arrays[i])
        for idx in np.ndindex(arrays[i].shape):
            p = [a.copy() for a in arrays]
            m = [a.copy() for a in arrays]
            p[i][idx] += eps
            m[i][idx] -= eps
            num[idx] = (
                (
                    ref_attention(*p, H, mask, masking == "causal")[0]
                    - ref_attention(*m, H, mask, masking == "causal")[0]
                )
                * G
            ).sum() / (2 * eps)
        np.testing.assert_allclose(grads[i], num, rtol=1e-3, atol=1e-5, err_msg=f"d{name}")


def test_softmax_is_stable_for_huge_scores():
    rng = np.random.default_rng(2)
    q = (rng.standard_normal((2, 4, 8)) * 1e4).astype(np.float32)
    k = (rng.standard_normal((2, 6, 8)) * 1e4).astype(np.float32)
    v = rng.standard_normal((2, 6, 8)).astype(np.float32)
    G = np.ones((2, 4, 8))
    out, grads = _nerve(q, k, v, 2, grad=G)
    assert np.isfinite(out).all() and all(np.isfinite(g).all() for g in grads)
    want, _ = ref_attention(q.astype(np.float64), k.astype(np.float64), v.astype(np.float64), 2)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)


def _to_torch_mha(torch, layer, E, H):
    """torch.nn.MultiheadAttention holding the Keras-layout weights of `layer` (key_dim = E / H)."""
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = layer.get_weights()
    m = torch.nn.MultiheadAttention(E, H, batch_first=True)
    T = lambda a: torch.tensor(np.ascontiguousarray(a), dtype=torch.float32)
    m.in_proj_weight.data = T(np.concatenate([W.reshape(E, E).T for W in (Wq, Wk, Wv)]))
    m.in_proj_bias.data = T(np.concatenate([b.reshape(E) for b in (bq, bk, bv)]))
    m.out_proj.weight.data = T(Wo.reshape(E, E).T)
    m.out_proj.bias.data = T(bo)
    return m


@pytest.mark.parametrize("causal", [False, True])
def test_layer_matches_torch_multihead_attention(causal):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    B, T, E, H = 3, 6, 8, 2
    x = rng.standard_normal((B, T, E)).astype(np.float32)
    layer = layers.MultiHeadAttention(H, E // H)
    rng_w = [
        rng.standard_normal(w.shape).astype(np.float32) * 0.3
        for w in (layer.build((T, E)) or layer.weights)
    ]
    layer.set_weights(rng_w)
    assert [w.shape for w in layer.get_weights()] == [
        (E, H, 4),
        (H, 4),
        (E, H, 4),
        (H, 4),
        (E, H, 4),
        (H, 4),
        (H, 4, E),
        (E,),
    ]
    got, scores = layer(x, x, use_causal_mask=causal, return_attention_scores=True)
    m = _to_torch_mha(torch, layer, E, H)
    attn_mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if causal else None
    with torch.no_grad():
        want, w = m(
            torch.tensor(x),
            torch.tensor(x),
            torch.tensor(x),
            attn_mask=attn_mask,
            average_attn_weights=False,
        )
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores, w.numpy(), rtol=1e-4, atol=1e-5)


def test_cross_attention_with_padding_mask_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    B, Tq, Tv, E, H = 2, 3, 5, 8, 4
    q = rng.standard_normal((B, Tq, E)).astype(np.float32)
    v = rng.standard_normal((B, Tv, E)).astype(np.float32)
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], np.float32)
    layer = layers.MultiHeadAttention(H, E // H)
    got = layer(q, v, value_mask=value_mask)
    m = _to_torch_mha(torch, layer, E, H)
    with torch.no_grad():
        want, _ = m(
            torch.tensor(q),
            torch.tensor(v),
            torch.tensor(v),
            key_padding_mask=torch.tensor(value_mask == 0),
        )
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)
    # the same through an explicit (B, Tq, Tv) attention_mask
    got2 = layer(q, v, attention_mask=np.broadcast_to(value_mask[:, None], (B, Tq, Tv)))
    np.testing.assert_allclose(got2, got, rtol=1e-6, atol=1e-6)


def test_layer_gradients_flow_to_all_weights():
    rng = np.random.default_rng(5)
    layer = layers.MultiHeadAttention(2, 3, value_dim=4, output_shape=5)
    x = _core.Tensor(rng.standard_normal((2, 4, 6)).astype(np.float32), True)
    layer.build((4, 6))
    out = layer._core.attend(x, x, None, None, True, True)
    assert tuple(out.shape) == (2, 4, 5)
    _core.ops.sum(out).backward()
    assert x.grad is not None
    for w in layer.weights:
        assert w.grad is not None and np.isfinite(np.array(w.grad)).all()


def test_transformer_encoder_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    B, T, E, H, FF = 2, 5, 8, 2, 16
    x = rng.standard_normal((B, T, E)).astype(np.float32)
    enc = layers.TransformerEncoder(H, E // H, FF)
    enc.build((T, E))
    enc.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.3 for w in enc.weights])
    got = enc(x)
    t = torch_transformer_encoder(torch, enc.get_weights(), E, H, FF)
    with torch.no_grad():
        want = t(torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_self_attention_and_encoder_train_in_sequential():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((256, 6, 4)).astype(np.float32)
    y = (x[:, :, 0].mean(1) > 0).astype(np.float32)
    model = nerve.Sequential(
        [
            nerve.Input((6, 4)),
            layers.Dense(8),
            layers.PositionEmbedding(6),
            layers.MultiHeadAttention(2, 4),
            layers.TransformerEncoder(2, 4, 16, dropout=0.1),
            layers.GlobalAveragePooling1D(),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=nerve.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.85


def test_bad_input_errors():
    x = np.zeros((2, 4, 6), np.float32)
    with pytest.raises(ValueError, match="num_heads must be a positive int"):
        layers.MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="key_dim must be a positive int"):
        layers.MultiHeadAttention(2, -1)
    # projected q/k/v whose size is not heads x key_dim
    with pytest.raises(ValueError, match=r"divisible by num_heads=4"):
        _core.ops.multi_head_attention(x, x, x, 4)
    with pytest.raises(
        ValueError, match=r"query \(2, 4, 6\) and key \(2, 4, 8\) need the same last axis"
    ):
        _core.ops.multi_head_attention(x, np.zeros((2, 4, 8), np.float32), x, 2)
    layer = layers.MultiHeadAttention(2, 3)
    layer(x, x)
    with pytest.raises(ValueError, match=r"attention_mask must have shape \(2, 4, 4\)"):
        layer(x, x, attention_mask=np.ones((2, 4, 3)))
    with pytest.raises(
        ValueError, match=r"query of shape \(2, 4, 5\) does not match the layer, built for 6"
    ):
        layer(np.zeros((2, 4, 5), np.float32), x)
    with pytest.raises(ValueError, match="must be 3-D"):
        layer(np.zeros((2, 6), np.float32))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3\) does not match value"):
        layer(x, x, value_mask=np.ones((2, 3)))


def test_seed_fixes_the_attention_dropout():
    """Keras's seed= seeds the attention-weight dropout, whatever the build seed."""
    x = np.random.default_rng(4).standard_normal((2, 5, 4)).astype(np.float32)
    reference = layers.MultiHeadAttention(2, 3)
    reference(x, x)

    def first_training_call(seed):
        mha = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=seed)
        mha(x, x)
        mha.set_weights(reference.get_weights())
        return mha(x, x, training=True)

    np.testing.assert_array_equal(first_training_call(5), first_training_call(5))
    assert not np.allclose(first_training_call(5), first_training_call(6))
    assert layers.MultiHeadAttention(2, 3, seed=5).get_config()["seed"] == 5
