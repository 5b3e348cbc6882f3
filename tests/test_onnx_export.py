"""nerve.onnx.export: every export passes onnx.checker.check_model(full_check=True) and runs in ONNX
Runtime with outputs within 1e-4 of nerve's predict: every layer class (the cases of
layer_cases.py, with non-default arguments, plus variants of the arguments that change the
graph), every activation, whole models (a CNN, LSTM/GRU models, a functional model with branches
and merges, a subclassed model) and the model of every examples/*.py. Then the errors: a layer
without a converter, an unbuilt model, what the graph cannot honour, the missing extra. Skips
cleanly without the onnx extra (onnx and onnxruntime)."""

import pathlib
import re
import subprocess
import sys
import zlib

import numpy as np
import pytest

import nerve
import nerve.onnx
from layer_cases import CASES
from nerve import initializers as I
from nerve import layers as L
from nerve.onnx import exporter
from nerve.onnx.activations import EXPORTABLE

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOL = 1e-4


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def _as_list(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _perturb(model, rng, scale=0.2) -> None:
    """Weights away from their initial values (biases, moving statistics and gammas not 0 / 1)."""
    for layer in model.layers:
        ws = layer.get_weights()
        if ws:
            layer.set_weights(
                [w + scale * rng.standard_normal(w.shape).astype(np.float32) for w in ws]
            )


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def check_export(model, xs, tmp_path, opset=17):
    """Exports `model`, checks the file fully, and compares ONNX Runtime with nerve on xs."""
    path = tmp_path / "model.onnx"
    nerve.onnx.export(model, path, opset=opset)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.opset_import[0].version == opset
    assert loaded.ir_version == onnx.helper.find_min_ir_version_for(list(loaded.opset_import))
    sess = _session(path)
    assert [i.name for i in sess.get_inputs()] == [kt.name for kt in model.inputs]
    assert [o.name for o in sess.get_outputs()] == model.output_names
    got = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})
    want = _as_list(model.predict(xs if len(xs) > 1 else xs[0], verbose=0))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0, atol=TOL)
    return sess


def _seq(layer, shape):
    return nerve.Sequential([nerve.Input(shape), layer])


def _fn(layer, shape):
    """A functional model: the layer's outputs (several, for return_state) are the model's."""
    x = nerve.Input(shape)
    return nerve.Model(x, layer(x))


# Layers written in Python (Lambda, the one-op layers of nerve.ops on functional tensors), and
# layers with no converter yet (Attention, AdditiveAttention, Masking): refused by name.
PYTHON_LAYERS = {"Lambda", "OpLayer", "Attention", "AdditiveAttention", "Masking"}


# ---- every exportable layer class, as layer_cases.py makes it --------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_layer_class_exports(name, tmp_path):
    case, rng = CASES[name], _rng(name)
    layer = case.make()
    inputs = [nerve.Input(s) for s in case.inputs]
    out = case.apply(layer, inputs)
    model = nerve.Model(inputs if len(inputs) > 1 else inputs[0], out)
    if name in PYTHON_LAYERS:  # Python code: no ONNX converter, refused by name
        with pytest.raises(NotImplementedError, match=f"{name} '.*' cannot be exported to ONNX"):
            nerve.onnx.export(model, tmp_path / "m.onnx")
        return
    _perturb(model, rng)
    batch = 3
    if case.ids:
        xs = [rng.integers(0, case.ids, (batch, *s)).astype(np.float32) for s in case.inputs]
    else:
        xs = [rng.standard_normal((batch, *s)).astype(np.float32) for s in case.inputs]
    check_export(model, xs, tmp_path)


def test_layer_without_converter_names_itself(tmp_path, monkeypatch):
    # every public layer class has a converter; a class without one (here: GRU's taken away)
    # must raise, naming the layer's class and name, and write no file
    monkeypatch.delitem(exporter.CONVERTERS, L.GRU)
    model = _seq(L.GRU(3, name="my_gru"), (4, 2))
    with pytest.raises(NotImplementedError, match="GRU 'my_gru' cannot be exported to ONNX"):
        nerve.onnx.export(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


# ---- arguments that change the exported graph ----------------------------------------------
VARIANTS = {
    "dense_no_bias_2d": lambda: _seq(L.Dense(4, use_bias=False, activation="selu"), (5,)),
    "conv2d_valid_strided_dilated": lambda: _seq(
        L.Conv2D(3, (3, 2), strides=(2, 1), dilation_rate=(1, 2), activation="relu"), (9, 8, 2)
    ),
    "conv2d_same_strided_no_bias": lambda: _seq(
        L.Conv2D(4, 3, strides=2, padding="same", use_bias=False), (7, 6, 3)
    ),
    "conv2d_same_dilated": lambda: _seq(L.Conv2D(2, 3, padding="same", dilation_rate=2), (6, 5, 2)),
    "depthwise_same_strided_multiplier": lambda: _seq(
        L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu"),
        (7, 6, 3),
    ),
    "depthwise_valid_dilated_no_bias": lambda: _seq(
        L.DepthwiseConv2D((3, 2), dilation_rate=(1, 2), use_bias=False), (6, 7, 2)
    ),
    "separable_same": lambda: _seq(
        L.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, activation="relu"), (6, 5, 3)
    ),
    "separable_valid_strided_no_bias": lambda: _seq(
        L.SeparableConv2D(3, (2, 3), strides=(2, 1), use_bias=False), (7, 6, 2)
    ),
    "conv1d_same_strided": lambda: _seq(
        L.Conv1D(3, 4, strides=2, padding="same", activation="tanh"), (9, 2)
    ),
    "conv1d_valid_no_bias": lambda: _seq(L.Conv1D(2, 3, use_bias=False), (7, 3)),
    "conv1d_open_length": lambda: _seq(L.Conv1D(2, 3, padding="same"), (None, 3)),
    "max_pooling2d_valid": lambda: _seq(L.MaxPooling2D((3, 2), strides=(1, 2)), (7, 6, 2)),
    "average_pooling2d_valid": lambda: _seq(L.AveragePooling2D(2), (5, 4, 3)),
    "max_pooling1d_valid": lambda: _seq(L.MaxPooling1D(2), (7, 3)),
    "average_pooling1d_valid_strided": lambda: _seq(L.AveragePooling1D(3, strides=2), (8, 3)),
    "global_max_pooling1d_flat": lambda: _seq(L.GlobalMaxPooling1D(), (6, 3)),
    "average_pooling1d_same_open_length": lambda: _seq(
        L.AveragePooling1D(3, strides=2, padding="same"), (None, 3)
    ),
    "global_pooling2d_flat": lambda: nerve.Sequential(
        [nerve.Input((4, 3, 2)), L.GlobalMaxPooling2D(), L.Dense(2)]
    ),
    "global_average_pooling2d_flat": lambda: _seq(L.GlobalAveragePooling2D(), (4, 3, 2)),
    "batch_norm_2d_no_center": lambda: _seq(
        L.BatchNormalization(center=False, epsilon=0.1, synchronized=True), (5,)
    ),
    "batch_norm_4d_no_scale": lambda: _seq(L.BatchNormalization(scale=False), (3, 4, 2)),
    "layer_norm_no_center_no_scale": lambda: _seq(
        L.LayerNormalization(center=False, scale=False, epsilon=1e-5), (3, 4)
    ),
    "layer_norm_no_center": lambda: _seq(L.LayerNormalization(center=False), (6,)),
    "relu_default": lambda: _seq(L.ReLU(), (6,)),
    "relu_max_value": lambda: _seq(L.ReLU(max_value=0.5), (6,)),
    "relu_threshold": lambda: _seq(L.ReLU(threshold=0.3), (6,)),
    "relu_slope": lambda: _seq(L.ReLU(negative_slope=0.2), (6,)),
    "prelu_unshared": lambda: _seq(L.PReLU(alpha_initializer=I.Constant(0.1)), (3, 2)),
    "reshape_flatten_conv": lambda: nerve.Sequential(
        [nerve.Input((4, 3, 2)), L.Conv2D(3, 2), L.Flatten(), L.Reshape((3, -1)), L.Dense(2)]
    ),
    "zero_padding_symmetric": lambda: _seq(L.ZeroPadding2D(2), (2, 3, 1)),
    "simple_rnn_state": lambda: _fn(L.SimpleRNN(4, return_state=True), (5, 3)),
    "lstm_backwards_last": lambda: _seq(
        L.LSTM(3, go_backwards=True, use_bias=False, activation="hard_sigmoid"), (5, 2)
    ),
    "gru_sequences_no_bias": lambda: _seq(
        L.GRU(3, return_sequences=True, use_bias=False, activation="hard_sigmoid"), (5, 2)
    ),
    "gru_state": lambda: _fn(L.GRU(4, return_state=True, return_sequences=True), (4, 3)),
    "bidirectional_gru_concat": lambda: _seq(L.Bidirectional(L.GRU(3)), (5, 2)),
    "bidirectional_rnn_sum_sequences": lambda: _seq(
        L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="sum"), (4, 3)
    ),
    "mha_self_attention_no_bias": lambda: _seq(
        L.MultiHeadAttention(num_heads=3, key_dim=2, use_bias=False), (4, 5)
    ),
    "mha_causal_open_length": lambda: _seq(
        L.MultiHeadAttention(num_heads=2, key_dim=4, use_causal_mask=True), (None, 6)
    ),
    "transformer_encoder_open_length": lambda: _seq(L.TransformerEncoder(2, 4, 8), (None, 6)),
    "time_distributed_conv": lambda: _seq(L.TimeDistributed(L.Conv2D(2, 2)), (3, 4, 4, 1)),
    "conv_transpose_same_stride2": lambda: _seq(
        L.Conv2DTranspose(3, 3, strides=2, padding="same"), (4, 5, 2)
    ),
    "conv_transpose_valid_stride_over_kernel": lambda: _seq(
        L.Conv2DTranspose(2, (2, 1), strides=(3, 2), activation="relu"), (3, 4, 2)
    ),
    "conv_transpose_output_padding": lambda: _seq(
        L.Conv2DTranspose(2, (4, 3), strides=(2, 3), padding="same", output_padding=(1, 2)),
        (3, 3, 2),
    ),
    "conv_transpose_valid_output_padding": lambda: _seq(
        L.Conv2DTranspose(2, 3, strides=2, output_padding=1, use_bias=False), (3, 4, 2)
    ),
    "conv_transpose_dilated": lambda: _seq(
        L.Conv2DTranspose(2, 3, dilation_rate=(2, 1), padding="same"), (4, 4, 1)
    ),
    "up_sampling_nearest": lambda: _seq(L.UpSampling2D((3, 2)), (2, 3, 2)),
    "dcgan_generator": lambda: nerve.Sequential(
        [
            nerve.Input((8,)),
            L.Dense(3 * 3 * 4),
            L.Reshape((3, 3, 4)),
            L.Conv2DTranspose(4, 4, strides=2, padding="same"),
            L.LeakyReLU(0.2),
            L.UpSampling2D(2, interpolation="bilinear"),
            L.Cropping2D(1),
            L.Conv2D(1, 3, padding="same", activation="sigmoid"),
        ]
    ),
    "normalization_variants": lambda: _normalizations(),
    "augmentation_in_stack": lambda: nerve.Sequential(
        [
            nerve.Input((6, 5, 2)),
            L.RandomFlip(),
            L.RandomRotation(0.1),
            L.RandomTranslation(0.1, 0.1),
            L.RandomZoom(0.1),
            L.RandomContrast(0.2),
            L.Conv2D(2, 3),
        ]
    ),
    "keras_layers_in_python_stack": lambda: nerve.Sequential(
        [
            nerve.Input((6, 4)),
            L.ZeroPadding1D(2, data_format="channels_first"),
            L.Cropping1D((1, 0)),
            L.UpSampling1D(2),
            L.Permute((2, 1)),
            L.SpatialDropout1D(0.3),
            L.GroupNormalization(groups=-1, axis=1, center=False),
            L.UnitNormalization(),
            L.RMSNormalization([1, 2], epsilon=0.1),
            L.Reshape((8, 5, 2)),
            L.SpatialDropout2D(0.3),
            L.GroupNormalization(groups=1, scale=False),
        ]
    ),
    "keras_layers_in_python_open_length": lambda: nerve.Sequential(
        [
            nerve.Input((None, 3)),
            L.Cropping1D((1, 2)),
            L.UpSampling1D(2),
            L.ZeroPadding1D(1),
            L.RMSNormalization(),
            L.GlobalAveragePooling1D(),
        ]
    ),
    "keras_merges_in_python": lambda: _python_merges(),
    "keras_layers_b_in_python": lambda: _python_layers_b(),
    "dropout_in_stack": lambda: nerve.Sequential(
        [nerve.Input((4,)), L.Dense(5), L.Dropout(0.5), L.Dense(2, activation="softmax")]
    ),
}


def _python_merges():
    """Maximum / Minimum over inputs of two ranks, Dot of 2-D inputs (a (batch, 1) output) and
    of 3-D ones."""
    x = nerve.Input((6,))
    a, b = L.Dense(4)(x), L.Dense(4)(x)
    grid = L.Reshape((3, 4))(L.Dense(12)(x))
    low = L.Flatten()(L.Minimum()([a, grid]))
    high = L.maximum([a, b])
    cosine = L.Dot(axes=1)([a, b])
    pairs = L.Flatten()(L.dot([grid, grid], axes=(2, 2), normalize=True))
    return nerve.Model(x, L.Concatenate()([low, high, cosine, pairs]))


def _python_layers_b():
    """CenterCrop, EinsumDense (a 4-D input; an ellipsis with gelu), AlphaDropout,
    Discretization in its four modes and CategoryEncoding in its three, on ids it computed."""
    x = nerve.Input((6, 7, 2))
    h = L.CenterCrop(4, 5)(x)
    h = L.EinsumDense("abcd,de->abce", (4, 5, 3), bias_axes="ce")(h)
    h = L.AlphaDropout(0.2)(h)
    h = L.Reshape((20, 3))(h)
    h = L.EinsumDense("...x,xy->...y", 2, activation="gelu")(h)
    boundaries = [-0.5, 0.0, 0.5]
    one_hot = L.Flatten()(L.Discretization(boundaries, output_mode="one_hot")(h))
    flat = L.Reshape((40,))(h)
    counts = L.Discretization(boundaries, output_mode="count")(flat)
    present = L.Discretization(boundaries, output_mode="multi_hot")(flat)
    ids = L.Discretization(boundaries)(flat)
    encoded = [
        L.CategoryEncoding(4)(ids),
        L.CategoryEncoding(4, output_mode="count")(ids),
        L.Flatten()(L.CategoryEncoding(4, output_mode="one_hot")(ids)),
    ]
    small = L.Flatten()(L.CenterCrop(9, 5, data_format="channels_first")(x))  # resized
    wide = L.Flatten()(L.CenterCrop(3, 9)(x))
    return nerve.Model(x, L.Concatenate()([one_hot, counts, present, ids, *encoded, small, wide]))


def _normalizations():
    """Normalization over everything (axis=None) inverted, per last axis of a sequence, and with
    given statistics, between Rescalings."""
    whole, last = L.Normalization(axis=None, invert=True), L.Normalization()
    whole.adapt(np.random.default_rng(1).normal(1.0, 2.0, size=(30, 3, 2)))
    last.adapt(np.random.default_rng(2).normal(-1.0, 3.0, size=(30, 3, 2)))
    return nerve.Sequential(
        [
            nerve.Input((3, 2)),
            L.Rescaling(2.0),
            whole,
            last,
            L.Normalization(mean=0.5, variance=3.0),
            L.Rescaling(0.5, offset=1.0),
        ]
    )


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_argument_variants(name, tmp_path):
    rng = _rng(name)
    model = VARIANTS[name]()
    _perturb(model, rng)
    shape = tuple(5 if d is None else d for d in model.inputs[0].shape[1:])
    check_export(model, [rng.standard_normal((4, *shape)).astype(np.float32)], tmp_path)


@pytest.mark.parametrize("activation", sorted(EXPORTABLE))
def test_every_activation(activation, tmp_path):
    model = nerve.Sequential([nerve.Input((3, 6)), L.Dense(6, activation=activation)])
    _perturb(model, _rng(activation))
    x = 2 * _rng(activation + "x").standard_normal((4, 3, 6)).astype(np.float32)
    check_export(model, [x], tmp_path)


def test_unexportable_activation_names_the_layer(tmp_path):
    model = _seq(L.Activation("sparsemax", name="sparse"), (4,))
    with pytest.raises(NotImplementedError, match="Activation 'sparse'.*sparsemax"):
        nerve.onnx.export(model, tmp_path / "m.onnx")


# ---- whole models ----------------------------------------------------------------------------
def test_cnn(tmp_path):
    model = nerve.Sequential(
        [
            nerve.Input((12, 10, 1)),
            L.Conv2D(4, 3, padding="same", activation="relu"),
            L.BatchNormalization(),
            L.MaxPooling2D(2),
            L.Conv2D(6, (3, 2), strides=(1, 2), activation="elu"),
            L.AveragePooling2D(2, padding="same"),
            L.Flatten(),  # channels-last element order, as nerve's Dense expects it
            L.Dropout(0.3),
            L.Dense(5, activation="softmax"),
        ]
    )
    rng = _rng("cnn")
    x = rng.standard_normal((16, 12, 10, 1)).astype(np.float32)
    y = rng.integers(0, 5, 16)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)  # trained weights and moving statistics
    check_export(model, [x], tmp_path)


def test_lstm_gru_text_model(tmp_path):
    model = nerve.Sequential(
        [
            nerve.Input((None,), dtype="int32"),
            L.Embedding(20, 6),
            L.LSTM(5, return_sequences=True),
            L.GRU(4),
            L.Dense(3, activation="sigmoid"),
        ]
    )
    _perturb(model, _rng("text"))
    rng = _rng("ids")
    sess = check_export(model, [rng.integers(0, 20, (3, 7)).astype(np.int32)], tmp_path)
    assert sess.get_inputs()[0].type == "tensor(int32)"
    # dynamic batch and length: other sizes than the first run
    ids = rng.integers(0, 20, (5, 4)).astype(np.int32)
    (got,) = sess.run(None, {sess.get_inputs()[0].name: ids})
    np.testing.assert_allclose(got, model.predict(ids, verbose=0), rtol=0, atol=TOL)


def test_functional_model_with_branches_and_merges(tmp_path):
    a, b = nerve.Input((6,), name="a"), nerve.Input((4, 3), name="b")
    shared = L.Dense(6, activation="tanh", name="shared")
    h1, h2 = shared(a), L.Dense(6, name="branch")(a)
    added = L.Add()([h1, h2])
    averaged = L.Average()([h1, h2, added])
    product = L.Multiply()([shared(added), averaged])
    diff = L.Subtract()([product, h1])
    seq = L.LSTM(6, name="seq")(b)
    inner = nerve.Sequential([nerve.Input((6,)), L.Dense(4, activation="relu"), L.Dense(6)])
    joined = L.Concatenate(name="join")([diff, inner(seq), L.LayerNormalization()(seq)])
    out1 = L.Dense(3, activation="softmax", name="probs")(joined)
    out2 = L.Dense(1, name="score")(L.Dropout(0.2)(joined))
    model = nerve.Model([a, b], [out1, out2])
    _perturb(model, _rng("functional"))
    rng = _rng("functional x")
    xs = [
        rng.standard_normal((4, 6)).astype(np.float32),
        rng.standard_normal((4, 4, 3)).astype(np.float32),
    ]
    check_export(model, xs, tmp_path)


def test_rnn_initial_states_and_state_outputs(tmp_path):
    x, h0, c0 = nerve.Input((5, 3)), nerve.Input((4,)), nerve.Input((4,))
    seq, h, c = L.LSTM(4, return_sequences=True, return_state=True)(x, initial_state=[h0, c0])
    out = L.SimpleRNN(4)(seq, initial_state=[h])
    model = nerve.Model([x, h0, c0], [out, c])
    _perturb(model, _rng("states"))
    rng = _rng("states x")
    xs = [rng.standard_normal(s).astype(np.float32) for s in ((2, 5, 3), (2, 4), (2, 4))]
    check_export(model, xs, tmp_path)


def test_attention_with_separate_query_value_key(tmp_path):
    q, v, k = nerve.Input((4, 6)), nerve.Input((5, 3)), nerve.Input((5, 2))
    out = L.MultiHeadAttention(2, 3, value_dim=4, output_shape=5)(q, v, k, use_causal_mask=True)
    model = nerve.Model([q, v, k], out)
    _perturb(model, _rng("mha"))
    rng = _rng("mha x")
    xs = [rng.standard_normal((3, *s)).astype(np.float32) for s in ((4, 6), (5, 3), (5, 2))]
    check_export(model, xs, tmp_path)


def test_subclassed_model(tmp_path):
    class Net(nerve.Model):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(5, activation="gelu")
            self.d2 = L.Dense(2)
            self.d3 = L.Dense(2, use_bias=False)

        def call(self, x):
            return self.d2(self.d1(x)) - self.d3(x)

    model = Net()
    model.build((None, 3))
    _perturb(model, _rng("sub"))
    check_export(model, [_rng("sub x").standard_normal((4, 3)).astype(np.float32)], tmp_path)


@pytest.mark.parametrize("opset", [18, 21])
def test_newer_opsets(opset, tmp_path):
    model = nerve.Sequential(
        [
            nerve.Input((6, 5, 2)),
            L.Conv2D(3, 2, padding="same"),
            L.GlobalAveragePooling2D(keepdims=True),
            L.Flatten(),
            L.Dense(4, activation="glu"),
        ]
    )
    _perturb(model, _rng("opset"))
    check_export(
        model, [_rng("opset x").standard_normal((2, 6, 5, 2)).astype(np.float32)], tmp_path, opset
    )


# ---- the example models ----------------------------------------------------------------------
EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
# examples/playground.py builds its networks inside Playground sessions, and
# examples/dqn_cartpole.py inside its agent (and needs gymnasium), not as a script-level `model`
# (stacks of Dense layers, which the layer cases above export).
# custom_train_step.py, autoencoder.py, vae.py and dcgan.py build their models inside functions
# (the generative layers' export is tested above, a DCGAN-style generator included).
NO_SCRIPT_MODEL = {"playground.py", "dqn_cartpole.py", "custom_train_step.py"}
NO_SCRIPT_MODEL |= {"autoencoder.py", "vae.py", "dcgan.py"}
# Models holding layers written in Python: ONNX export refuses them, naming the first such layer.
PYTHON_LAYER_SCRIPTS = {"custom_layer.py": "ActivityPenalty"}
EXAMPLE_RUNS = [
    (path.name, args)
    for path in sorted(EXAMPLES.glob("*.py"))
    if path.name not in NO_SCRIPT_MODEL
    for args in (
        [["--api", "functional"], ["--api", "sequential"]]
        if path.name == "transformer_classifier.py"
        else [[]]
    )
]


class _ModelMade(Exception):
    """Stops an example script once its model exists (at compile, or at its first training step)."""


def _fake_images(num_classes=10):
    rng = np.random.default_rng(0)

    def load_data():
        x = rng.integers(0, 256, (96, 28, 28)).astype(np.uint8)
        y = rng.integers(0, num_classes, 96).astype(np.uint8)
        return (x[:64], y[:64]), (x[64:], y[64:])

    return load_data


@pytest.mark.parametrize(
    ("script", "args"), EXAMPLE_RUNS, ids=[f"{s}{''.join(a)}" for s, a in EXAMPLE_RUNS]
)
def test_example_models(script, args, tmp_path, monkeypatch):
    """Each examples/*.py model, as the script builds it (run until its model exists, on random
    stand-ins for MNIST), exports and runs in ONNX Runtime as in nerve."""

    def stop(*_, **__):
        raise _ModelMade

    monkeypatch.setattr(nerve.Model, "compile", stop)
    monkeypatch.setattr(nerve.GradientTape, "__enter__", stop)
    monkeypatch.setattr(nerve.datasets.mnist, "load_data", _fake_images())
    monkeypatch.setattr(nerve.datasets.fashion_mnist, "load_data", _fake_images())
    monkeypatch.setattr(sys, "argv", [script, *args])
    monkeypatch.setenv("NERVE_QUICK", "1")
    monkeypatch.chdir(tmp_path)  # what a script writes (visualize_cnn's folder) lands there
    path = EXAMPLES / script
    namespace = {"__name__": "__main__", "__file__": str(path)}
    with pytest.raises(_ModelMade):
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    model = namespace["model"]
    if script in PYTHON_LAYER_SCRIPTS:
        with pytest.raises(NotImplementedError, match=PYTHON_LAYER_SCRIPTS[script]):
            nerve.onnx.export(model, tmp_path / "m.onnx")
        return
    _perturb(model, _rng(script), scale=0.02)  # MNIST-sized layers: outputs of order 1
    rng = _rng(script + "x")
    xs = [rng.random((3, *kt.shape[1:])).astype(np.float32) for kt in model.inputs]
    check_export(model, xs, tmp_path)


# ---- errors ----------------------------------------------------------------------------------
def test_unbuilt_model_is_refused(tmp_path):
    model = nerve.Sequential([L.Dense(3)])
    with pytest.raises(ValueError, match="Sequential '.*' is not built"):
        nerve.onnx.export(model, tmp_path / "m.onnx")


def test_unbuilt_subclassed_model_is_refused(tmp_path):
    class Net(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(ValueError, match="Net '.*' is not built"):
        nerve.onnx.export(Net(), tmp_path / "m.onnx")


def test_call_forced_into_training_is_refused(tmp_path):
    x = nerve.Input((4,))
    model = nerve.Model(x, L.Dropout(0.5, name="drop")(L.Dense(3)(x), training=True))
    with pytest.raises(NotImplementedError, match="Dropout 'drop'.*training=True"):
        nerve.onnx.export(model, tmp_path / "m.onnx")


def test_shared_layer_weights_are_stored_once(tmp_path):
    x = nerve.Input((5,))
    shared = L.Dense(5, name="shared")
    model = nerve.Model(x, shared(shared(x)))
    _perturb(model, _rng("shared"))
    check_export(model, [_rng("shared x").standard_normal((2, 5)).astype(np.float32)], tmp_path)
    kernels = [
        i
        for i in onnx.load(str(tmp_path / "model.onnx")).graph.initializer
        if list(i.dims) == [5, 5]
    ]
    assert len(kernels) == 1


def test_bad_opset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="opset"):
        nerve.onnx.export(_seq(L.Dense(2), (3,)), tmp_path / "m.onnx", opset=13)


def test_not_a_model_is_refused(tmp_path):
    with pytest.raises(TypeError, match="nerve model"):
        nerve.onnx.export(L.Dense(2), tmp_path / "m.onnx")


def test_masked_embedding_before_a_mask_reader_is_refused(tmp_path):
    model = nerve.Sequential(
        [nerve.Input((5,)), L.Embedding(9, 4, mask_zero=True), L.Dense(4), L.GRU(3, name="gru")]
    )
    with pytest.raises(NotImplementedError, match="GRU 'gru'.*mask_zero"):
        nerve.onnx.export(model, tmp_path / "m.onnx")


def test_rnn_activation_without_onnx_equivalent(tmp_path):
    model = _seq(L.SimpleRNN(2, activation="gelu", name="rnn"), (3, 2))
    with pytest.raises(NotImplementedError, match="SimpleRNN 'rnn'.*gelu"):
        nerve.onnx.export(model, tmp_path / "m.onnx")


def test_missing_extra_names_the_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "nerve\[onnx\]"'):
        nerve.onnx.export(_seq(L.Dense(2), (3,)), tmp_path / "m.onnx")


def test_the_extra_is_pinned_and_installed_by_the_documented_test_command():
    repo = pathlib.Path(__file__).resolve().parents[1]
    assert 'onnx = ["onnx==' in (repo / "pyproject.toml").read_text()
    for doc in ("README.md", "CONTRIBUTING.md", ".ci/run"):
        extras = re.search(r'pip install "\.\[([\w,]+)\]"', (repo / doc).read_text())
        assert extras and "onnx" in extras[1].split(","), f"{doc} does not install the onnx extra"


def test_import_nerve_does_not_import_onnx():
    code = "import sys, nerve, nerve.onnx; assert 'onnx' not in sys.modules, 'onnx imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
