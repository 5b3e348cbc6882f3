"""A Keras 3 model's get_weights() loads into the same nerve architecture, which then predicts what
Keras predicts (to 1e-5 relative), for every nerve layer class that Keras also has.

Each case builds one small model with build(lib), lib being `keras` or `nerve` (the constructor
arguments are Keras's), randomizes Keras's weights, copies them into nerve with set_weights and
compares nerve's predict with Keras's inference call.
"""

import numpy as np
import pytest

from _keras_diff import assert_close, keras_predict, placeholder_keras_initializers, twin_models

# Keras 3.15's own Variable.__array__ lacks numpy 2's copy keyword
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

RNG = np.random.default_rng(1234)
BATCH = 3


def seq(*layers_of, input_shape):
    """A Sequential model factory: seq(lambda L: L.Dense(3), input_shape=(4,))."""

    def build(lib):
        return lib.Sequential([lib.Input(input_shape)] + [f(lib.layers) for f in layers_of])

    return build


def floats(*shape):
    return RNG.normal(size=(BATCH,) + shape).astype(np.float32)


def token_ids(timesteps, vocab, pad_tail=True):
    ids = RNG.integers(1, vocab, size=(BATCH, timesteps)).astype(np.float32)
    if pad_tail:  # padding at the end of some rows, for mask_zero
        ids[0, -2:] = 0
        ids[1, -1:] = 0
    return ids


# ---- Sequential cases: (id, build, input) ---------------------------------------------------
SEQUENTIAL = [
    (
        "Dense",
        seq(lambda L: L.Dense(5), lambda L: L.Dense(3, use_bias=False), input_shape=(4,)),
        floats(4),
    ),
    ("Dense-softmax", seq(lambda L: L.Dense(6, activation="softmax"), input_shape=(4,)), floats(4)),
    (
        "Dense-3d-input",
        seq(lambda L: L.Dense(5, activation="relu"), input_shape=(3, 4)),
        floats(3, 4),
    ),
    *[
        (f"Activation-{a}", seq(lambda L, a=a: L.Activation(a), input_shape=(7,)), 3 * floats(7))
        for a in ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "softmax", "gelu", "swish")
    ],
    (
        "Conv1D-valid",
        seq(lambda L: L.Conv1D(4, 3, activation="relu"), input_shape=(9, 2)),
        floats(9, 2),
    ),
    (
        "Conv1D-same-strided",
        seq(lambda L: L.Conv1D(4, 3, strides=2, padding="same"), input_shape=(9, 2)),
        floats(9, 2),
    ),
    (
        "Conv1D-causal-dilated",
        seq(
            lambda L: L.Conv1D(3, 2, padding="causal", dilation_rate=2, use_bias=False),
            input_shape=(8, 3),
        ),
        floats(8, 3),
    ),
    ("MaxPooling1D", seq(lambda L: L.MaxPooling1D(2), input_shape=(7, 3)), floats(7, 3)),
    (
        "MaxPooling1D-same-strided",
        seq(lambda L: L.MaxPooling1D(3, strides=2, padding="same"), input_shape=(8, 3)),
        floats(8, 3),
    ),
    (
        "GlobalAveragePooling1D",
        seq(lambda L: L.GlobalAveragePooling1D(), input_shape=(5, 3)),
        floats(5, 3),
    ),
    (
        "Conv2D-valid",
        seq(lambda L: L.Conv2D(4, 3, activation="relu"), input_shape=(6, 7, 2)),
        floats(6, 7, 2),
    ),
    (
        "Conv2D-same-strided",
        seq(lambda L: L.Conv2D(3, (3, 2), strides=(2, 1), padding="same"), input_shape=(7, 6, 2)),
        floats(7, 6, 2),
    ),
    (
        "Conv2D-dilated",
        seq(lambda L: L.Conv2D(2, 3, dilation_rate=2, use_bias=False), input_shape=(8, 8, 3)),
        floats(8, 8, 3),
    ),
    (
        "Conv2D-1x1",
        seq(lambda L: L.Conv2D(5, 1, activation="tanh"), input_shape=(4, 4, 3)),
        floats(4, 4, 3),
    ),
    ("MaxPooling2D", seq(lambda L: L.MaxPooling2D(), input_shape=(6, 6, 2)), floats(6, 6, 2)),
    (
        "MaxPooling2D-same-strided",
        seq(lambda L: L.MaxPooling2D(3, strides=2, padding="same"), input_shape=(7, 6, 2)),
        floats(7, 6, 2),
    ),
    (
        "AveragePooling2D",
        seq(lambda L: L.AveragePooling2D((2, 3)), input_shape=(6, 6, 2)),
        floats(6, 6, 2),
    ),
    (
        "AveragePooling2D-same",
        seq(lambda L: L.AveragePooling2D(3, strides=2, padding="same"), input_shape=(7, 5, 2)),
        floats(7, 5, 2),
    ),
    (
        "GlobalAveragePooling2D",
        seq(lambda L: L.GlobalAveragePooling2D(), input_shape=(4, 5, 3)),
        floats(4, 5, 3),
    ),
    (
        "GlobalMaxPooling2D-keepdims",
        seq(lambda L: L.GlobalMaxPooling2D(keepdims=True), input_shape=(4, 5, 3)),
        floats(4, 5, 3),
    ),
    (
        "BatchNormalization-dense",
        seq(lambda L: L.Dense(5), lambda L: L.BatchNormalization(), input_shape=(4,)),
        floats(4),
    ),
    (
        "BatchNormalization-conv",
        seq(
            lambda L: L.Conv2D(3, 2),
            lambda L: L.BatchNormalization(epsilon=1e-2),
            input_shape=(5, 5, 2),
        ),
        floats(5, 5, 2),
    ),
    (
        "BatchNormalization-no-center-scale",
        seq(lambda L: L.BatchNormalization(center=False, scale=False), input_shape=(6,)),
        floats(6),
    ),
    ("LayerNormalization", seq(lambda L: L.LayerNormalization(), input_shape=(4, 6)), floats(4, 6)),
    (
        "LayerNormalization-eps",
        seq(lambda L: L.LayerNormalization(epsilon=0.1), input_shape=(5,)),
        floats(5),
    ),
    (
        "LayerNormalization-no-center-scale",
        seq(lambda L: L.LayerNormalization(center=False, scale=False), input_shape=(3, 4)),
        floats(3, 4),
    ),
    ("Embedding", seq(lambda L: L.Embedding(11, 4), input_shape=(6,)), token_ids(6, 11, False)),
    (
        "Embedding-mask-GlobalAveragePooling1D",
        seq(
            lambda L: L.Embedding(11, 4, mask_zero=True),
            lambda L: L.GlobalAveragePooling1D(),
            input_shape=(6,),
        ),
        token_ids(6, 11),
    ),
    (
        "Dropout-inference",
        seq(lambda L: L.Dense(5), lambda L: L.Dropout(0.5), lambda L: L.Dense(2), input_shape=(4,)),
        floats(4),
    ),
    (
        "Flatten",
        seq(lambda L: L.Flatten(), lambda L: L.Dense(3), input_shape=(2, 3, 2)),
        floats(2, 3, 2),
    ),
    (
        "Reshape",
        seq(lambda L: L.Reshape((3, -1)), lambda L: L.Dense(2), input_shape=(12,)),
        floats(12),
    ),
    (
        "ZeroPadding2D",
        seq(
            lambda L: L.ZeroPadding2D(((1, 2), (0, 1))),
            lambda L: L.Conv2D(2, 2),
            input_shape=(3, 4, 2),
        ),
        floats(3, 4, 2),
    ),
    (
        "ZeroPadding2D-int",
        seq(lambda L: L.ZeroPadding2D(2), input_shape=(2, 3, 1)),
        floats(2, 3, 1),
    ),
    (
        "Conv2DTranspose",
        seq(
            lambda L: L.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu"),
            lambda L: L.Conv2DTranspose(2, (2, 3), strides=(3, 2), output_padding=(1, 0)),
            input_shape=(3, 4, 2),
        ),
        floats(3, 4, 2),
    ),
    (
        "UpSampling2D-bilinear-Cropping2D",
        seq(
            lambda L: L.UpSampling2D((2, 3), interpolation="bilinear"),
            lambda L: L.Cropping2D(((1, 0), (2, 1))),
            lambda L: L.UpSampling2D(2),
            input_shape=(3, 4, 2),
        ),
        floats(3, 4, 2),
    ),
    (
        "RepeatVector-noise-inference",
        seq(
            lambda L: L.GaussianNoise(0.5),
            lambda L: L.Dense(4),
            lambda L: L.GaussianDropout(0.3),
            lambda L: L.RepeatVector(3),
            lambda L: L.ActivityRegularization(l1=0.01),
            input_shape=(5,),
        ),
        floats(5),
    ),
    (
        "TimeDistributed-Dense",
        seq(lambda L: L.TimeDistributed(L.Dense(3, activation="relu")), input_shape=(4, 5)),
        floats(4, 5),
    ),
    (
        "TimeDistributed-Conv2D",
        seq(lambda L: L.TimeDistributed(L.Conv2D(2, 2)), input_shape=(3, 4, 4, 1)),
        floats(3, 4, 4, 1),
    ),
]

RNN_CASES = [  # the merge modes (once: they are the same code for every cell)
    (
        f"Bidirectional-LSTM-{mode}-return_sequences",
        seq(
            lambda L, m=mode: L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode=m),
            input_shape=(5, 3),
        ),
        floats(5, 3),
    )
    for mode in ("concat", "sum", "mul", "ave")
]
for cell in ("SimpleRNN", "LSTM", "GRU"):
    RNN_CASES += [
        (f"{cell}", seq(lambda L, c=cell: getattr(L, c)(4), input_shape=(5, 3)), floats(5, 3)),
        (
            f"{cell}-go_backwards-stacked",
            seq(
                lambda L, c=cell: getattr(L, c)(4, return_sequences=True, go_backwards=True),
                lambda L, c=cell: getattr(L, c)(3),
                input_shape=(5, 3),
            ),
            floats(5, 3),
        ),
        (
            f"{cell}-activation-no-bias",
            seq(
                lambda L, c=cell: getattr(L, c)(4, activation="relu", use_bias=False),
                input_shape=(4, 2),
            ),
            floats(4, 2),
        ),
        (
            f"{cell}-masked",
            seq(
                lambda L: L.Embedding(9, 3, mask_zero=True),
                lambda L, c=cell: getattr(L, c)(4, return_sequences=True),
                input_shape=(6,),
            ),
            token_ids(6, 9),
        ),
        (
            f"Bidirectional-{cell}",
            seq(lambda L, c=cell: L.Bidirectional(getattr(L, c)(3)), input_shape=(5, 3)),
            floats(5, 3),
        ),
    ]


@pytest.mark.parametrize(
    "build,x", [c[1:] for c in SEQUENTIAL + RNN_CASES], ids=[c[0] for c in SEQUENTIAL + RNN_CASES]
)
def test_sequential_predict_matches_keras(request, build, x):
    k, n = twin_models(build)
    assert_close(request.node.callspec.id, n.predict(x, verbose=0), keras_predict(k, x))


# ---- functional cases: several inputs or outputs ---------------------------------------------
def merge_model(layer, **kwargs):
    def build(lib):
        a, b, c = lib.Input((3, 4)), lib.Input((3, 4)), lib.Input((3, 4))
        da = lib.layers.Dense(4)(a)
        ins = [da, b] if layer == "Subtract" else [da, b, c]
        out = getattr(lib.layers, layer)(**kwargs)(ins)
        return lib.Model([a, b, c], lib.layers.Dense(2)(out))

    return build


def return_state_model(cell, return_sequences):
    def build(lib):
        x = lib.Input((5, 3))
        outs = getattr(lib.layers, cell)(4, return_state=True, return_sequences=return_sequences)(x)
        return lib.Model(x, outs)

    return build


def mha_model(cross, call_kwargs=None, **kwargs):
    def build(lib):
        q = lib.Input((4, 6))
        v = lib.Input((5, 3)) if cross else q
        out = lib.layers.MultiHeadAttention(**kwargs)(q, v, **(call_kwargs or {}))
        return lib.Model([q, v] if cross else q, out)

    return build


FUNCTIONAL = [
    *[
        (f"{m}", merge_model(m), [floats(3, 4) for _ in range(3)])
        for m in ("Add", "Subtract", "Multiply", "Average", "Concatenate")
    ],
    ("Concatenate-axis1", merge_model("Concatenate", axis=1), [floats(3, 4) for _ in range(3)]),
    ("MultiHeadAttention-self", mha_model(False, num_heads=2, key_dim=3), floats(4, 6)),
    (
        "MultiHeadAttention-self-causal",
        mha_model(False, {"use_causal_mask": True}, num_heads=3, key_dim=2),
        floats(4, 6),
    ),
    (
        "MultiHeadAttention-cross-causal",
        mha_model(True, {"use_causal_mask": True}, num_heads=2, key_dim=2),
        [floats(4, 6), floats(5, 3)],
    ),
    (
        "MultiHeadAttention-cross-output_shape",
        mha_model(True, num_heads=2, key_dim=4, output_shape=5),
        [floats(4, 6), floats(5, 3)],
    ),
    (
        "MultiHeadAttention-cross-no-bias",
        mha_model(True, num_heads=1, key_dim=2, use_bias=False),
        [floats(4, 6), floats(5, 3)],
    ),
    (
        "MultiHeadAttention-key",
        lambda lib: (
            lambda q, v, key: lib.Model([q, v, key], lib.layers.MultiHeadAttention(2, 3)(q, v, key))
        )(lib.Input((4, 6)), lib.Input((5, 3)), lib.Input((5, 2))),
        [floats(4, 6), floats(5, 3), floats(5, 2)],
    ),
]


@pytest.mark.parametrize("build,x", [c[1:] for c in FUNCTIONAL], ids=[c[0] for c in FUNCTIONAL])
def test_functional_predict_matches_keras(request, build, x):
    k, n = twin_models(build)
    got, want = n.predict(x, verbose=0), keras_predict(k, x)
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want)
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(f"{request.node.callspec.id} output[{i}]", g, w)
    else:
        assert_close(request.node.callspec.id, got, want)


# The state outputs of return_state=True crash the process (segfault) when a functional model
# reads them, so nerve runs in a child process here.
_RETURN_STATE_CHILD = """
import sys, numpy as np, nerve
cell, return_sequences, path = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
data = np.load(path)
x = nerve.Input((5, 3))
outs = getattr(nerve.layers, cell)(4, return_state=True, return_sequences=return_sequences)(x)
model = nerve.Model(x, outs)
model.set_weights([data[f"w{i}"] for i in range(len(model.get_weights()))])
np.savez(path, *model.predict(data["x"], verbose=0))
"""


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_return_state_functional_predict_matches_keras(tmp_path, cell, return_sequences):
    import os
    import subprocess
    import sys

    k, _ = twin_models(return_state_model(cell, return_sequences))
    x = floats(5, 3)
    path = tmp_path / "io.npz"
    np.savez(path, x=x, **{f"w{i}": w for i, w in enumerate(k.get_weights())})
    child = subprocess.run(
        [sys.executable, "-c", _RETURN_STATE_CHILD, cell, str(int(return_sequences)), str(path)],
        env={**os.environ},
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == 0, f"nerve crashed (exit code {child.returncode})"
    got = np.load(path)
    want = keras_predict(k, x)
    assert len(got.files) == len(want)
    for i, w in enumerate(want):
        assert_close(f"{cell}-return_state output[{i}]", got[f"arr_{i}"], w)


def _masked_sequence_model(layer_of):
    def build(lib):
        x = lib.Input((6,))
        e = lib.layers.Embedding(9, 4, mask_zero=True)(x)
        return lib.Model(x, layer_of(lib.layers, e))

    return build


MASKED_SEQUENCES = [
    pytest.param(
        _masked_sequence_model(
            lambda L, e: L.GlobalAveragePooling1D()(L.MultiHeadAttention(2, 2)(e, e))
        ),
        id="MultiHeadAttention-masked-pooled",
    ),
    pytest.param(
        _masked_sequence_model(lambda L, e: L.MultiHeadAttention(2, 2)(e, e)),
        id="MultiHeadAttention-masked-sequence",
    ),
    pytest.param(
        _masked_sequence_model(lambda L, e: L.LSTM(3, return_sequences=True)(e)),
        id="LSTM-masked-sequence",
    ),
    pytest.param(
        _masked_sequence_model(lambda L, e: L.Bidirectional(L.LSTM(3, return_sequences=True))(e)),
        id="Bidirectional-LSTM-masked-sequence",
    ),
]


@pytest.mark.parametrize("build", MASKED_SEQUENCES)
def test_masked_padding_steps_match_keras(request, build):
    """Embedding(mask_zero=True) padding reaching a layer whose sequence output is the model's:
    the values at the padded steps too."""
    k, n = twin_models(build)
    x = token_ids(6, 9)
    assert_close(request.node.callspec.id, n.predict(x, verbose=0), keras_predict(k, x))


def test_multi_head_attention_functional_call_options():
    """What a functional nerve model cannot carry is refused, not ignored."""
    import nerve

    q = nerve.Input((4, 6))
    with pytest.raises(NotImplementedError, match="attention_mask= in a symbolic call"):
        nerve.layers.MultiHeadAttention(2, 3)(q, q, attention_mask=np.ones((4, 4), bool))
    with pytest.raises(NotImplementedError, match="return_attention_scores=True in a symbolic"):
        nerve.layers.MultiHeadAttention(2, 3)(q, q, return_attention_scores=True)
    shared = nerve.layers.MultiHeadAttention(2, 3)
    shared(q, q)
    with pytest.raises(ValueError, match="use_causal_mask=True"):
        shared(q, q, use_causal_mask=True)


# ---- eager layer calls with the arguments only an eager call takes -----------------------
@pytest.mark.parametrize("with_key", [False, True])
def test_multi_head_attention_masks_and_scores_match_keras(with_key):
    import keras

    import nerve

    q, v, key = floats(4, 6), floats(5, 3), floats(5, 2)
    mask = RNG.integers(0, 2, size=(BATCH, 4, 5)).astype(bool)
    mask[:, :, 0] = True  # every query sees at least one key
    k_layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    n_layer = nerve.layers.MultiHeadAttention(num_heads=2, key_dim=3)
    args = (q, v, key) if with_key else (q, v)
    with placeholder_keras_initializers():
        k_layer(*args)
    n_layer(*args)
    weights = [RNG.normal(0, 0.5, size=w.shape).astype(np.float32) for w in k_layer.get_weights()]
    k_layer.set_weights(weights)
    n_layer.set_weights(weights)
    want, want_scores = k_layer(*args, attention_mask=mask, return_attention_scores=True)
    got, got_scores = n_layer(*args, attention_mask=mask, return_attention_scores=True)
    assert_close(f"MultiHeadAttention eager mask key={with_key}", got, np.asarray(want))
    assert_close(
        f"MultiHeadAttention eager scores key={with_key}", got_scores, np.asarray(want_scores)
    )


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_initial_state_matches_keras(cell):
    import keras

    import nerve

    x = floats(5, 3)
    n_states = 2 if cell == "LSTM" else 1
    states = [floats(4) for _ in range(n_states)]
    k_layer = getattr(keras.layers, cell)(4, return_sequences=True, return_state=True)
    n_layer = getattr(nerve.layers, cell)(4, return_sequences=True, return_state=True)
    with placeholder_keras_initializers():
        k_layer(x)
    n_layer(x)
    weights = [RNG.normal(0, 0.5, size=w.shape).astype(np.float32) for w in k_layer.get_weights()]
    k_layer.set_weights(weights)
    n_layer.set_weights(weights)
    want = k_layer(x, initial_state=states)
    got = n_layer(x, initial_state=states)
    for i, (g, w) in enumerate(zip(got, want)):
        assert_close(f"{cell} initial_state output[{i}]", g, np.asarray(w))


# ---- training through the layers: gradients, and BatchNormalization's batch statistics -------
def _fit_model(layers_of, input_shape, units=3):
    def build(lib):
        return lib.Sequential(
            [lib.Input(input_shape)]
            + [f(lib.layers) for f in layers_of]
            + [lib.layers.Dense(units)]
        )

    return build


def _frozen_model(lib):
    """trainable=False: the Dense keeps its weights, the BatchNormalization runs in inference
    mode (Keras 3) and keeps its moving statistics."""
    model = lib.Sequential(
        [
            lib.Input((4,)),
            lib.layers.Dense(5),
            lib.layers.Dense(4),
            lib.layers.BatchNormalization(),
            lib.layers.Dense(3),
        ]
    )
    model.layers[0].trainable = False
    model.layers[2].trainable = False
    return model


FIT_MODELS = [
    (
        "Conv2D-BatchNormalization-pooling",
        _fit_model(
            [
                lambda L: L.Conv2D(3, 3, padding="same"),
                lambda L: L.BatchNormalization(momentum=0.8),
                lambda L: L.Activation("relu"),
                lambda L: L.MaxPooling2D(),
                lambda L: L.Conv2D(2, 2, strides=2),
                lambda L: L.GlobalAveragePooling2D(),
            ],
            (6, 6, 2),
        ),
        lambda: RNG.normal(size=(12, 6, 6, 2)).astype(np.float32),
    ),
    (
        "Conv1D-MaxPooling1D-Flatten",
        _fit_model(
            [
                lambda L: L.Conv1D(3, 3, padding="causal", activation="tanh"),
                lambda L: L.MaxPooling1D(2),
                lambda L: L.Flatten(),
            ],
            (8, 2),
        ),
        lambda: RNG.normal(size=(12, 8, 2)).astype(np.float32),
    ),
    (
        "LSTM-GRU-SimpleRNN",
        _fit_model(
            [
                lambda L: L.LSTM(4, return_sequences=True),
                lambda L: L.GRU(3, return_sequences=True, go_backwards=True),
                lambda L: L.SimpleRNN(3),
            ],
            (5, 2),
        ),
        lambda: RNG.normal(size=(12, 5, 2)).astype(np.float32),
    ),
    (
        "Embedding-mask-Bidirectional-GRU",
        _fit_model(
            [lambda L: L.Embedding(9, 3, mask_zero=True), lambda L: L.Bidirectional(L.GRU(3))], (6,)
        ),
        lambda: np.concatenate([token_ids(6, 9) for _ in range(4)]),
    ),
    (
        "MultiHeadAttention-LayerNormalization",
        lambda lib: (
            lambda x: lib.Model(
                x,
                lib.layers.Dense(3)(
                    lib.layers.GlobalAveragePooling1D()(
                        lib.layers.LayerNormalization()(
                            lib.layers.Add()([x, lib.layers.MultiHeadAttention(2, 2)(x, x)])
                        )
                    )
                ),
            )
        )(lib.Input((4, 5))),
        lambda: RNG.normal(size=(12, 4, 5)).astype(np.float32),
    ),
    (
        "frozen-Dense-and-BatchNormalization",
        _frozen_model,
        lambda: RNG.normal(size=(12, 4)).astype(np.float32),
    ),
    (
        "Conv1D-same-even-kernel-strided",
        _fit_model(
            [lambda L: L.Conv1D(3, 4, strides=2, padding="same"), lambda L: L.Flatten()], (9, 2)
        ),
        lambda: RNG.normal(size=(12, 9, 2)).astype(np.float32),
    ),
    (
        "TimeDistributed-Dense-BatchNormalization",
        _fit_model(
            [
                lambda L: L.TimeDistributed(L.Dense(4, activation="relu")),
                lambda L: L.BatchNormalization(),
                lambda L: L.Reshape((-1,)),
            ],
            (3, 2),
        ),
        lambda: RNG.normal(size=(12, 3, 2)).astype(np.float32),
    ),
]


@pytest.mark.parametrize(
    "build,make_x", [c[1:] for c in FIT_MODELS], ids=[c[0] for c in FIT_MODELS]
)
def test_fit_through_layers_matches_keras(request, build, make_x):
    """Two epochs of SGD (batch 4, shuffle=False): the losses, the trained weights (BatchNorm's
    moving statistics included) and the predictions afterwards."""
    import keras

    import nerve

    from _keras_diff import assert_history_close, assert_weights_close

    label = request.node.callspec.id
    x = make_x()
    y = RNG.normal(size=(len(x), 3)).astype(np.float32)
    k, n = twin_models(build)
    k.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    n.compile(optimizer=nerve.optimizers.SGD(0.05), loss="mse")
    kw = dict(batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert_history_close(label, n.fit(x, y, **kw).history, k.fit(x, y, **kw).history)
    assert_weights_close(label, n, k)
    assert_close(f"{label} predict after fit", n.predict(x, verbose=0), keras_predict(k, x))
