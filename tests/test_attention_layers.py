"""Keras's Attention (dot-product / Luong, score_mode "dot" or "concat") and AdditiveAttention
(Bahdanau) in nerve: Python layers on nerve.ops, traced into C++. Against Keras 3
(KERAS_BACKEND=jax): the same outputs and attention scores over shapes, options and call
arguments (key, mask, use_causal_mask, return_attention_scores); the same weights after an SGD
step of a functional model; fit; get_config / from_config; save / load in nerve's format and
.keras files both ways; and what nerve refuses."""

import os
import warnings

import numpy as np
import pytest

import nerve

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

# Keras 3.15's own Variable.__array__ lacks numpy 2's copy keyword
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    ),
    # Keras's warning on a softmax over one value (a single value step)
    pytest.mark.filterwarnings("ignore:You are using a softmax over axis -1:UserWarning"),
]

rng = np.random.default_rng(21)

LAYERS = [
    ("Attention", {}),
    ("Attention", {"use_scale": True}),
    ("Attention", {"score_mode": "concat"}),
    ("Attention", {"score_mode": "concat", "use_scale": True}),
    ("AdditiveAttention", {}),
    ("AdditiveAttention", {"use_scale": False}),
]


def _close(got, want, label, atol=1e-5):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{label}: shape {got.shape}, Keras {want.shape}"
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol, err_msg=label)


def _floats(*shape):
    return rng.normal(size=shape).astype(np.float32)


def _padding(batch, steps):
    mask = rng.uniform(size=(batch, steps)) > 0.3
    mask[:, 0] = True  # every row keeps a step
    return mask


def _calls(batch, tq, tv, dim):
    q, v, k = _floats(batch, tq, dim), _floats(batch, tv, dim), _floats(batch, tv, dim)
    qm, vm = _padding(batch, tq), _padding(batch, tv)
    self_q = _floats(batch, tq, dim)
    return [
        ("query-value", [q, v], {}),
        ("query-value-key", [q, v, k], {}),
        ("masks", [q, v, k], {"mask": [qm, vm]}),
        ("value-mask", [q, v], {"mask": [None, vm]}),
        ("query-mask", [q, v], {"mask": [qm, None]}),
        ("causal", [self_q, self_q], {"use_causal_mask": True}),
        ("causal-masks", [self_q, self_q], {"use_causal_mask": True, "mask": [qm, qm]}),
        ("scores", [q, v, k], {"return_attention_scores": True, "mask": [None, vm]}),
        (
            "causal-scores",
            [self_q, self_q],
            {"return_attention_scores": True, "use_causal_mask": True},
        ),
    ]


SHAPES = [(2, 4, 5, 3), (3, 1, 6, 8), (1, 7, 7, 2)]
EAGER_CASES = [
    (cls, kwargs, shape, call)
    for cls, kwargs in LAYERS
    for shape in SHAPES
    for call in _calls(*shape)
]


def _eager_id(case):
    cls, kwargs, shape, call = case
    options = ",".join(f"{k}={v}" for k, v in kwargs.items()) or "defaults"
    return f"{cls}-{options}-{'x'.join(map(str, shape))}-{call[0]}"


def _twin_layers(cls, kwargs, inputs):
    """(keras layer, nerve layer) built for `inputs`, with the same random weights."""
    k_layer = getattr(keras.layers, cls)(**kwargs)
    n_layer = getattr(nerve.layers, cls)(**kwargs)
    k_layer.build([x.shape for x in inputs])
    n_layer.build([x.shape for x in inputs])
    weights = [_floats(*w.shape) for w in k_layer.get_weights()]
    k_layer.set_weights(weights)
    n_layer.set_weights(weights)
    return k_layer, n_layer


@pytest.mark.parametrize("case", EAGER_CASES, ids=[_eager_id(c) for c in EAGER_CASES])
def test_same_numbers_as_keras(case):
    cls, kwargs, _, (_, inputs, call_kwargs) = case
    k_layer, n_layer = _twin_layers(cls, kwargs, inputs)
    assert [w.shape for w in n_layer.get_weights()] == [w.shape for w in k_layer.get_weights()]
    want = k_layer(inputs, **call_kwargs)
    got = n_layer(inputs, **call_kwargs)
    if call_kwargs.get("return_attention_scores"):
        assert isinstance(got, (list, tuple)) and len(got) == 2
        _close(got[0], want[0], "output")
        _close(got[1], want[1], "attention scores")
    else:
        _close(got, want, "output")


def test_weight_names_and_order_are_keras_s():
    inputs = [_floats(2, 3, 4), _floats(2, 5, 4)]
    for cls, kwargs in LAYERS:
        k_layer, n_layer = _twin_layers(cls, kwargs, inputs)
        assert [w.path.split("/")[-1] for w in n_layer.weights] == [
            w.path.split("/")[-1] for w in k_layer.weights
        ], (cls, kwargs)


# ---- functional models -----------------------------------------------------------------------
def _model(lib, cls, kwargs, with_key=False, causal=False):
    layers = lib.layers
    query_in, value_in = layers.Input((6, 4)), layers.Input((5, 4))
    query, value = layers.Dense(8)(query_in), layers.Dense(8)(value_in)
    inputs = [query, value] + ([layers.Dense(8)(value_in)] if with_key else [])
    attended = getattr(layers, cls)(**kwargs)(inputs)
    if causal:  # and a causal self-attention of the query, added
        self_attended = getattr(layers, cls)(**kwargs)([query, query], use_causal_mask=True)
        attended = layers.Add()([attended, self_attended])
    out = layers.Dense(2)(layers.GlobalAveragePooling1D()(attended))
    return lib.Model([query_in, value_in], out)


X = [_floats(32, 6, 4), _floats(32, 5, 4)]
Y = _floats(32, 2)


def _twin_models(build):
    km, nm = build(keras), build(nerve)
    weights = [rng.normal(0.0, 0.5, size=w.shape).astype(np.float32) for w in km.get_weights()]
    km.set_weights(weights)
    nm.set_weights(weights)
    return km, nm


MODEL_CASES = [
    (cls, kwargs, with_key, causal)
    for cls, kwargs in LAYERS
    for with_key, causal in ((False, False), (True, True))
]


@pytest.mark.parametrize(
    "case",
    MODEL_CASES,
    ids=[f"{c[0]}-{c[1]}-key={c[2]}-causal={c[3]}" for c in MODEL_CASES],
)
def test_sgd_step_gives_keras_s_weights(case):
    cls, kwargs, with_key, causal = case
    km, nm = _twin_models(lambda lib: _model(lib, cls, kwargs, with_key, causal))
    _close(nm.predict(X, verbose=0), km.predict(X, verbose=0), "predictions")
    km.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    nm.compile(optimizer=nerve.optimizers.SGD(0.1), loss="mse")
    k_loss = km.train_on_batch(X, Y)
    n_loss = nm.train_on_batch(X, Y)
    _close(n_loss, k_loss, "loss")
    for i, (a, b) in enumerate(zip(nm.get_weights(), km.get_weights())):
        _close(a, b, f"weight {i} ({km.weights[i].path}) after one SGD step")


@pytest.mark.parametrize("cls,kwargs", [LAYERS[1], LAYERS[3], LAYERS[4]])
def test_fit_lowers_the_loss(cls, kwargs):
    model = _model(nerve, cls, {**kwargs, "dropout": 0.1, "seed": 3}, with_key=True, causal=True)
    model.compile(optimizer=nerve.optimizers.Adam(0.01), loss="mse")
    targets = np.stack([X[0].mean(axis=(1, 2)), X[1].max(axis=(1, 2))], axis=1)
    history = model.fit(X, targets, epochs=8, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < 0.7 * history[0], history


def test_dropout_acts_in_training_only():
    q, v = _floats(4, 6, 3), _floats(4, 7, 3)
    layer = nerve.layers.Attention(dropout=0.5, seed=1)
    plain = nerve.layers.Attention()
    _close(layer([q, v]), plain([q, v]), "inference ignores dropout")
    _, trained = layer([q, v], training=True, return_attention_scores=True)
    trained = np.asarray(trained)
    zeros = np.mean(trained == 0.0)
    assert 0.3 < zeros < 0.7, zeros  # dropped attention weights
    kept = trained[trained != 0.0]
    _, scores = plain([q, v], return_attention_scores=True)
    scores = np.asarray(scores)[trained != 0.0]
    _close(kept, 2.0 * scores, "kept weights are scaled by 1 / (1 - rate)")


# ---- config, save and load -------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls,kwargs",
    [*LAYERS, ("Attention", {"dropout": 0.25, "seed": 7}), ("AdditiveAttention", {"dropout": 0.5})],
)
def test_config_round_trip_and_keras_s_config(cls, kwargs):
    layer = getattr(nerve.layers, cls)(name="att", **kwargs)
    config = layer.get_config()
    copy = getattr(nerve.layers, cls).from_config(config)
    assert copy.get_config() == config
    theirs = getattr(keras.layers, cls)(name="att", **kwargs).get_config()
    assert set(config) == set(theirs)
    for key, value in theirs.items():
        if key != "dtype":
            assert config[key] == value, key
    # Keras reads nerve's config, and nerve Keras's
    assert (
        getattr(keras.layers, cls).from_config(config).get_config()["use_scale"]
        == (config["use_scale"])
    )
    assert getattr(nerve.layers, cls).from_config(theirs).get_config() == config


def _mask_model(lib, cls, kwargs):
    layers = lib.layers
    query_in, value_in = layers.Input((6, 4)), layers.Input((5, 4))
    value_mask = layers.Input((5,))
    attended, scores = getattr(layers, cls)(**kwargs)(
        [layers.Dense(8)(query_in), layers.Dense(8)(value_in)],
        mask=[None, value_mask],
        return_attention_scores=True,
    )
    out = layers.Dense(2)(layers.GlobalAveragePooling1D()(attended))
    return lib.Model([query_in, value_in, value_mask], [out, scores])


MASKS = [_padding(32, 5).astype(np.float32)]
FILE_CASES = [
    ("plain", lambda lib, cls, kw: _model(lib, cls, kw, with_key=True, causal=True), X),
    ("masks-scores", _mask_model, X + MASKS),
]


def _predict(model, x):
    out = model.predict(x, batch_size=len(x[0]), verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def _assert_same_predictions(got, want, label):
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        _close(a, b, f"{label} output {i}")


@pytest.mark.parametrize("cls,kwargs", [LAYERS[3], LAYERS[4], ("Attention", {"dropout": 0.2})])
@pytest.mark.parametrize("model_case", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_files_both_ways(tmp_path, cls, kwargs, model_case):
    _, build, x = model_case
    km, nm = _twin_models(lambda lib: build(lib, cls, kwargs))
    want = _predict(km, x)
    _assert_same_predictions(_predict(nm, x), want, "nerve")

    nm.save(tmp_path / "nerve.nerve")
    _assert_same_predictions(
        _predict(nerve.models.load_model(tmp_path / "nerve.nerve"), x), want, "nerve format"
    )
    nm.save(tmp_path / "from_nerve.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded_by_keras = keras.saving.load_model(tmp_path / "from_nerve.keras")
    _assert_same_predictions(_predict(loaded_by_keras, x), want, "nerve's .keras read by Keras")

    km.save(tmp_path / "from_keras.keras")
    loaded = nerve.models.load_model(tmp_path / "from_keras.keras")
    _assert_same_predictions(_predict(loaded, x), want, "Keras's .keras read by nerve")
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in km.layers]


def test_in_sequential_raises_as_keras_does():
    with pytest.raises(ValueError, match="list of inputs"):
        nerve.layers.Attention()(_floats(2, 3, 4))
    with pytest.raises(ValueError, match="length 2 or 3"):
        nerve.layers.Attention()([_floats(2, 3, 4)])
    with pytest.raises(ValueError, match="mask must be a list"):
        nerve.layers.Attention()([_floats(2, 3, 4)] * 2, mask=np.ones((2, 3), bool))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="score_mode"):
        nerve.layers.Attention(score_mode="additive")
    with pytest.raises(ValueError, match="dropout"):
        nerve.layers.AdditiveAttention(dropout=1.5)


def test_a_carried_padding_mask_is_refused_not_ignored():
    """Keras applies the padding mask an Embedding(mask_zero=True) puts on its output; nerve's
    trace cannot read it, so the call raises instead of attending to padding."""
    layers = nerve.layers
    ids = layers.Input((5,))
    embedded = layers.Dense(4)(layers.Embedding(10, 4, mask_zero=True)(ids))
    model = nerve.Model(ids, layers.Attention()([embedded, embedded]))
    with pytest.raises(NotImplementedError, match="Attention.*padding mask"):
        model.predict(np.array([[1, 2, 0, 0, 0]], np.float32), verbose=0)
    # a mask used up before the layer (an RNN without return_sequences... here: none carried)
    plain = layers.Dense(4)(layers.Embedding(10, 4)(ids))
    nerve.Model(ids, layers.Attention()([plain, plain])).predict(np.ones((1, 5)), verbose=0)
    # without mask_zero, with the mask given explicitly: Keras's numbers
    token_ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], np.float32)
    padding = (token_ids != 0).astype(np.float32)

    def build(lib):
        L = lib.layers
        ids, mask = L.Input((5,)), L.Input((5,))
        embedded = L.Embedding(10, 4)(ids)
        return lib.Model([ids, mask], L.Attention()([embedded, embedded], mask=[None, mask]))

    km, nm = _twin_models(build)
    _close(
        nm.predict([token_ids, padding], verbose=0),
        km.predict([token_ids, padding != 0], verbose=0),
        "explicit masks",
    )


def test_exported_and_listed():
    assert "Attention" in nerve.layers.__all__ and "AdditiveAttention" in nerve.layers.__all__
    assert issubclass(nerve.layers.AdditiveAttention, nerve.layers.Attention)


def test_a_query_mask_in_a_symbolic_call_is_refused():
    """Keras passes the query mask on as the output's padding mask (a GlobalAveragePooling1D
    after it then averages over the kept steps only); nerve's Python layer cannot, so a symbolic
    call with one raises. On arrays it applies (test_same_numbers_as_keras)."""
    layers = nerve.layers
    query, value, query_mask = layers.Input((4, 3)), layers.Input((5, 3)), layers.Input((4,))
    with pytest.raises(NotImplementedError, match="query mask"):
        layers.Attention()([query, value], mask=[query_mask, None])


def test_variable_lengths_with_a_causal_and_a_value_mask():
    def build(lib):
        L = lib.layers
        x, value_mask = L.Input((None, 4)), L.Input((None,))
        out = L.Attention(use_scale=True)([x, x], use_causal_mask=True, mask=[None, value_mask])
        return lib.Model([x, value_mask], out)

    km, nm = _twin_models(build)
    for steps in (3, 7):
        x = _floats(2, steps, 4)
        mask = _padding(2, steps)
        _close(
            nm.predict([x, mask.astype(np.float32)], verbose=0),
            km.predict([x, mask], verbose=0),
            f"{steps} steps",
        )


def test_inside_a_custom_layer_s_call():
    def block(lib):
        class Block(lib.layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.attention = lib.layers.AdditiveAttention()
                self.dense = lib.layers.Dense(4)

            def call(self, x):
                return self.dense(self.attention([x, x], use_causal_mask=True))

        return lib.Sequential([lib.Input((5, 4)), Block()])

    km, nm = _twin_models(block)
    x = _floats(3, 5, 4)
    _close(nm.predict(x, verbose=0), km.predict(x, verbose=0), "custom block")
