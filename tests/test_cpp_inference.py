"""C++ inference (nerve/io/load_model.h) of .nerve files saved from Python: one tiny model per
layer class nerve can save, run by the C++ tool examples/cpp/nerve_predict (no Python in it) and
compared with Python's predict; plus the C++ reader's errors on bad files and bad inputs.

The tool is built by
    cmake -S . -B build/cpp -G Ninja -DNERVE_BUILD_PYTHON=OFF -DNERVE_BUILD_EXAMPLES=ON
    cmake --build build/cpp -j2 --target nerve_predict
($NERVE_CPP_BUILD names another build folder)."""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nerve
from layer_cases import WRITTEN_IN_PYTHON
from nerve import layers as L
from nerve.layers.base import Layer
from nerve.saving import file_format

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("NERVE_CPP_BUILD", REPO / "build" / "cpp"))
TOOL = BUILD / "examples" / "cpp" / "nerve_predict"

pytestmark = pytest.mark.skipif(
    not TOOL.exists(), reason=f"C++ tool not built at {TOOL} (see this file's docstring)"
)

rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _padded(*shape):
    """Sequences whose last steps are all zeros (padding a Masking layer marks), unequally."""
    x = _x(*shape)
    for row in range(shape[0] - 1):
        x[row, shape[1] - 1 - row % (shape[1] - 1) :] = 0.0
    return x


def _ids(*shape, high=10):
    return rng.integers(0, high, size=shape).astype(np.float32)


def _seq(input_shape, *layers):
    return nerve.Sequential([L.Input(input_shape), *layers])


def _two_inputs(layer, shape=(6,)):
    a, b = L.Input(shape), L.Input(shape)
    return nerve.Model([a, b], layer([a, b]))


def _mha():
    x = L.Input((5, 8))
    return nerve.Model(x, L.MultiHeadAttention(num_heads=2, key_dim=4)(x, x))


def _mha_causal():
    q, v = L.Input((5, 8)), L.Input((7, 8))
    return nerve.Model(
        [q, v], L.MultiHeadAttention(num_heads=2, key_dim=3)(q, v, use_causal_mask=False)
    )


def _shared_and_multi_output():
    x = L.Input((6,))
    d = L.Dense(6, activation="tanh")
    h = d(L.Dense(6)(x))
    return nerve.Model(x, [d(h), L.Dense(2)(h)])


# class name -> (model factory, inputs). Every saveable layer class must appear in some case.
CASES = {
    "Dense": (lambda: _seq((6,), L.Dense(4, activation="relu"), L.Dense(3)), [_x(9, 6)]),
    "Activation": (lambda: _seq((6,), L.Activation("gelu")), [_x(9, 6)]),
    "ReLU": (lambda: _seq((6,), L.ReLU(max_value=1.0, threshold=0.1)), [_x(9, 6)]),
    "LeakyReLU": (lambda: _seq((6,), L.LeakyReLU(negative_slope=0.2)), [_x(9, 6)]),
    "PReLU": (lambda: _seq((6,), L.Dense(6), L.PReLU()), [_x(9, 6)]),
    "ELU": (lambda: _seq((6,), L.ELU(alpha=0.5)), [_x(9, 6)]),
    "Softmax": (lambda: _seq((6,), L.Softmax()), [_x(9, 6)]),
    "Identity": (lambda: _seq((6,), L.Dense(4), L.Identity(), L.Dense(2)), [_x(9, 6)]),
    "Masking": (lambda: _seq((6, 3), L.Masking(0.0), L.LSTM(3)), [_padded(5, 6, 3)]),
    "Conv1D": (lambda: _seq((10, 3), L.Conv1D(4, 3, padding="same")), [_x(5, 10, 3)]),
    "Conv2D": (
        lambda: _seq((8, 8, 2), L.Conv2D(3, 3, strides=2, padding="same", activation="relu")),
        [_x(5, 8, 8, 2)],
    ),
    "DepthwiseConv2D": (
        lambda: _seq(
            (8, 7, 3), L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, activation="relu")
        ),
        [_x(5, 8, 7, 3)],
    ),
    "SeparableConv2D": (
        lambda: _seq((8, 8, 3), L.SeparableConv2D(4, 3, padding="same", activation="relu")),
        [_x(5, 8, 8, 3)],
    ),
    "MaxPooling2D": (lambda: _seq((8, 8, 2), L.MaxPooling2D()), [_x(5, 8, 8, 2)]),
    "AveragePooling2D": (lambda: _seq((8, 8, 2), L.AveragePooling2D(3, 2)), [_x(5, 8, 8, 2)]),
    "GlobalAveragePooling2D": (
        lambda: _seq((6, 6, 3), L.GlobalAveragePooling2D()),
        [_x(5, 6, 6, 3)],
    ),
    "GlobalMaxPooling2D": (lambda: _seq((6, 6, 3), L.GlobalMaxPooling2D()), [_x(5, 6, 6, 3)]),
    "MaxPooling1D": (lambda: _seq((10, 3), L.MaxPooling1D()), [_x(5, 10, 3)]),
    "GlobalAveragePooling1D": (lambda: _seq((10, 3), L.GlobalAveragePooling1D()), [_x(5, 10, 3)]),
    "AveragePooling1D": (
        lambda: _seq((10, 3), L.AveragePooling1D(3, strides=2, padding="same")),
        [_x(5, 10, 3)],
    ),
    "GlobalMaxPooling1D": (
        lambda: _seq((10, 3), L.GlobalMaxPooling1D(keepdims=True)),
        [_x(5, 10, 3)],
    ),
    "Dropout": (lambda: _seq((6,), L.Dropout(0.5), L.Dense(2)), [_x(9, 6)]),
    "Flatten": (lambda: _seq((3, 4, 2), L.Flatten(), L.Dense(2)), [_x(5, 3, 4, 2)]),
    "Reshape": (lambda: _seq((12,), L.Reshape((3, 4))), [_x(5, 12)]),
    "ZeroPadding2D": (lambda: _seq((4, 4, 1), L.ZeroPadding2D(((1, 2), (0, 1)))), [_x(3, 4, 4, 1)]),
    "BatchNormalization": (lambda: _seq((6,), L.BatchNormalization()), [_x(9, 6)]),
    "BatchNormalization(synchronized=True)": (  # inference: the moving statistics, as plain
        lambda: _seq((4, 4, 3), L.BatchNormalization(synchronized=True)),
        [_x(5, 4, 4, 3)],
    ),
    "LayerNormalization": (lambda: _seq((6,), L.LayerNormalization()), [_x(9, 6)]),
    "Embedding": (lambda: _seq((7,), L.Embedding(10, 4)), [_ids(5, 7)]),
    "Embedding+mask_zero+LSTM": (
        lambda: _seq((7,), L.Embedding(10, 4, mask_zero=True), L.LSTM(3)),
        [_ids(5, 7)],
    ),
    "PositionEmbedding": (lambda: _seq((7, 4), L.PositionEmbedding(7)), [_x(5, 7, 4)]),
    "SimpleRNN": (lambda: _seq((7, 3), L.SimpleRNN(4, return_sequences=True)), [_x(5, 7, 3)]),
    "LSTM": (lambda: _seq((7, 3), L.LSTM(4)), [_x(5, 7, 3)]),
    "GRU": (lambda: _seq((7, 3), L.GRU(4, go_backwards=True)), [_x(5, 7, 3)]),
    "Bidirectional": (
        lambda: _seq((7, 3), L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode="sum")),
        [_x(5, 7, 3)],
    ),
    "TimeDistributed": (lambda: _seq((7, 3), L.TimeDistributed(L.Dense(2))), [_x(5, 7, 3)]),
    "MultiHeadAttention": (_mha, [_x(4, 5, 8)]),
    "MultiHeadAttention(query, value)": (_mha_causal, [_x(4, 5, 8), _x(4, 7, 8)]),
    "TransformerEncoder": (
        lambda: _seq((5, 8), L.TransformerEncoder(num_heads=2, key_dim=4, ff_dim=16)),
        [_x(4, 5, 8)],
    ),
    "Add": (lambda: _two_inputs(L.Add()), [_x(5, 6), _x(5, 6)]),
    "Subtract": (lambda: _two_inputs(L.Subtract()), [_x(5, 6), _x(5, 6)]),
    "Multiply": (lambda: _two_inputs(L.Multiply()), [_x(5, 6), _x(5, 6)]),
    "Average": (lambda: _two_inputs(L.Average()), [_x(5, 6), _x(5, 6)]),
    "Concatenate": (lambda: _two_inputs(L.Concatenate()), [_x(5, 6), _x(5, 6)]),
    "InputLayer": (_shared_and_multi_output, [_x(70, 6)]),
    "Conv2DTranspose": (
        lambda: _seq((4, 4, 2), L.Conv2DTranspose(3, 3, strides=2, padding="same")),
        [_x(5, 4, 4, 2)],
    ),
    "UpSampling2D": (
        lambda: _seq((4, 4, 2), L.UpSampling2D(2, interpolation="bilinear")),
        [_x(5, 4, 4, 2)],
    ),
    "Cropping2D": (lambda: _seq((6, 6, 2), L.Cropping2D(((1, 2), (2, 1)))), [_x(5, 6, 6, 2)]),
    "RepeatVector": (lambda: _seq((6,), L.RepeatVector(3)), [_x(5, 6)]),
    "Rescaling Normalization": (lambda: _seq((4, 3), *_preprocessing()), [_x(5, 4, 3)]),
    # the identity in inference; C++ builds them from their Keras configs
    "RandomFlip RandomRotation RandomTranslation RandomZoom RandomContrast": (
        lambda: _seq(
            (6, 5, 2),
            L.RandomFlip(seed=1),
            L.RandomRotation((-0.1, 0.2), fill_mode="constant"),
            L.RandomTranslation(0.1, (0.0, 0.2), interpolation="nearest"),
            L.RandomZoom(0.2, 0.1, fill_mode="wrap"),
            L.RandomContrast(0.3, value_range=(0, 1)),
            L.Conv2D(2, 3),
        ),
        [_x(5, 6, 5, 2)],
    ),
    "GaussianNoise GaussianDropout ActivityRegularization": (
        lambda: _seq(
            (6,),
            L.GaussianNoise(0.3),
            L.GaussianDropout(0.2),
            L.ActivityRegularization(l1=0.01),
            L.Dense(2),
        ),
        [_x(5, 6)],
    ),
}


def _preprocessing():
    """Rescaling, and Normalization adapted per row (axis=1), given scalars, and inverted."""
    adapted = L.Normalization(axis=1)
    adapted.adapt(np.random.default_rng(4).normal(2.0, 3.0, size=(20, 4, 3)))
    return [
        L.Rescaling(0.5, offset=-0.25),
        adapted,
        L.Normalization(axis=None, mean=0.5, variance=2.0, invert=True),
    ]


# Layers written in Python (Lambda, the one-op layers nerve.ops makes on functional tensors) run
# in C++ only inside Python's tracer: a C++ program refuses them by name (test below).
# never inside a saved model: TextVectorization runs on strings before the model
# So do the Keras layers nerve writes in Python with nerve.ops (Permute, Dot, Maximum, ...).
PYTHON_ONLY = {"Lambda", "OpLayer", "TextVectorization", *WRITTEN_IN_PYTHON}


def _run_tool(path, inputs, tmp_path, *flags):
    files = []
    for k, a in enumerate(inputs):
        f = tmp_path / f"input_{k}.npy"
        np.save(f, a)
        files.append(str(f))
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    r = subprocess.run(
        [str(TOOL), str(path), str(out), *files, *flags], capture_output=True, text=True
    )
    outputs = sorted(out.glob("output_*.npy"), key=lambda p: int(p.stem.split("_")[1]))
    return r, [np.load(p) for p in outputs]


def _warm_up(model):
    """Gives BatchNormalization moving statistics that are not the initial ones."""
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            mean, var = layer.weights[2:4]
            np.asarray(mean)[...] = rng.standard_normal(mean.shape)
            np.asarray(var)[...] = rng.uniform(0.5, 2.0, var.shape)


@pytest.mark.parametrize("case", sorted(CASES))
def test_cpp_predict_matches_python(case, tmp_path):
    make, inputs = CASES[case]
    model = make()
    _warm_up(model)
    path = tmp_path / "m.nerve"
    model.save(path)
    want = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    want = want if isinstance(want, list) else [want]
    r, got = _run_tool(path, inputs, tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-6)


def test_dict_inputs_and_outputs_are_read_in_sorted_key_order(tmp_path):
    """A model built with a dict of inputs and a dict of outputs (Keras 3): the C++ tool takes
    the input files and writes the outputs in sorted-key order, the graph's order (keras.tree's
    flattening of a dict), whatever order the dicts were given in."""
    a, b = L.Input((3,), name="a"), L.Input((2,), name="b")
    h = L.Dense(4, activation="tanh")(L.Concatenate()([a, b]))
    model = nerve.Model({"b": b, "a": a}, {"z": L.Dense(2)(h), "y": L.Dense(1)(h)})
    path = tmp_path / "m.nerve"
    model.save(path)
    xa, xb = _x(5, 3), _x(5, 2)
    want = model.predict({"a": xa, "b": xb}, verbose=0)
    r, got = _run_tool(path, [xa, xb], tmp_path)
    assert r.returncode == 0, r.stderr
    assert [g.shape for g in got] == [(5, 1), (5, 2)]
    np.testing.assert_allclose(got[0], want["y"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(got[1], want["z"], rtol=0, atol=1e-6)


def test_every_saveable_layer_class_is_covered():
    classes = {
        c.__name__
        for c in vars(L).values()
        if inspect.isclass(c) and issubclass(c, Layer) and c is not Layer
    }
    covered = {name for case in CASES for name in re.findall(r"\w+", case)}
    assert classes - covered - PYTHON_ONLY == set()


def _save_dense(tmp_path):
    model = _seq((6,), L.Dense(3))
    path = tmp_path / "m.nerve"
    model.save(path)
    return model, path


def _rewrite(path, change):
    """The file with its entries passed through change(name, bytes) -> bytes."""
    with zipfile.ZipFile(path) as z:
        entries = [(n, z.read(n)) for n in z.namelist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, change(name, data))


def test_wrong_input_shape_names_the_expected_shape(tmp_path):
    _, path = _save_dense(tmp_path)
    r, _ = _run_tool(path, [_x(4, 5)], tmp_path)
    assert r.returncode == 1
    assert "must have shape (None, 6), got (4, 5)" in r.stderr
    r, _ = _run_tool(path, [_x(4, 6), _x(4, 6)], tmp_path)
    assert "takes 1 input(s), got 2" in r.stderr


def test_newer_format_version_is_refused_naming_both(tmp_path):
    _, path = _save_dense(tmp_path)

    def newer(name, data):
        if name != "metadata.json":
            return data
        meta = json.loads(data)
        meta["format_version"] = file_format.FORMAT_VERSION + 1
        meta["nerve_version"] = "9.9.9"
        return json.dumps(meta).encode()

    _rewrite(path, newer)
    r, _ = _run_tool(path, [_x(2, 6)], tmp_path)
    assert r.returncode == 1
    assert f"format version {file_format.FORMAT_VERSION + 1}" in r.stderr
    assert "nerve 9.9.9" in r.stderr
    assert f"versions 1 to {file_format.FORMAT_VERSION}" in r.stderr
    needs = f"needs a nerve that reads format version {file_format.FORMAT_VERSION + 1}"
    assert f"{needs} (nerve 9.9.9 or newer)" in r.stderr


def test_cpp_format_version_is_pythons():
    header = (REPO / "cpp/include/nerve/io/load_model.h").read_text()
    version = re.search(r"kModelFormatVersion = (\d+);", header).group(1)
    assert int(version) == file_format.FORMAT_VERSION


def test_custom_python_layer_is_refused_naming_its_class(tmp_path):
    # (a registered Python layer class, as saved by nerve.saving.register_keras_serializable)
    _, path = _save_dense(tmp_path)
    _rewrite(
        path,
        lambda name, data: (
            data.replace(b'"Dense"', b'"mypackage>Twice"') if name == "config.json" else data
        ),
    )
    r, _ = _run_tool(path, [_x(2, 6)], tmp_path)
    assert r.returncode == 1
    assert "class 'mypackage>Twice'" in r.stderr and "C++ cannot build" in r.stderr


@pytest.mark.parametrize("make", [lambda: L.Permute((2, 1)), lambda: L.GroupNormalization(2)])
def test_keras_layer_written_in_python_is_refused_naming_its_class(tmp_path, make):
    layer = make()
    model = _seq((4, 4), layer)
    path = tmp_path / "m.nerve"
    model.save(path)
    r, _ = _run_tool(path, [_x(2, 4, 4)], tmp_path)
    assert r.returncode != 0
    assert type(layer).__name__ in r.stderr


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[: len(b) // 2], "end-of-central-directory"),
        (lambda b: b"PK\x05\x06" + b"\0" * 18, "no entry 'metadata.json'"),
        (lambda b: b"", "at least 22 bytes"),
    ],
)
def test_damaged_archives_are_refused(tmp_path, damage, message):
    _, path = _save_dense(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    r, _ = _run_tool(path, [_x(2, 6)], tmp_path)
    assert r.returncode == 1 and message in r.stderr, r.stderr


def test_flipped_byte_fails_the_crc(tmp_path):
    _, path = _save_dense(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("weights/00000.npy")
    data[info.header_offset + 30 + len(info.filename) + 100] ^= 0x40  # inside the kernel's data
    path.write_bytes(bytes(data))
    r, _ = _run_tool(path, [_x(2, 6)], tmp_path)
    assert r.returncode == 1 and "CRC-32" in r.stderr, r.stderr


@pytest.mark.parametrize(
    "entry, content, message",
    [
        ("config.json", b'{"class_name": "Sequential", "class_name": 1}', "unique keys"),
        ("config.json", b'{"class_name": "Sequential",}', "expected a string key"),
        ("config.json", b'{"a": "\xff"}', "UTF-8"),
        ("config.json", b"[" * 300, "no deeper than"),
        ("config.json", b'{"a": 1} x', "end of the document"),
        ("config.json", b'{"class_name": "MyModel", "config": {}}', "subclassed"),
        ("weights/00000.npy", b"\x93NUMPY\x01\x00", "not a valid .npy"),
        ("weights/00000.npy", "f8", "descr '<f8'"),
        ("weights/00000.npy", "fortran", "C order"),
        ("weights/00000.npy", "short", "bytes of data"),
        ("weights/00000.npy", "shape", "has shape (6, 3) in the model but (3, 6)"),
    ],
)
def test_malformed_entries_are_refused(tmp_path, entry, content, message):
    _, path = _save_dense(tmp_path)
    kernel = rng.standard_normal((6, 3)).astype(np.float32)

    def npy(a, fortran=False):
        buf = io.BytesIO()
        np.save(buf, np.asfortranarray(a) if fortran else a)
        return buf.getvalue()

    special = {
        "f8": lambda: npy(kernel.astype(np.float64)),
        "fortran": lambda: npy(kernel, fortran=True),
        "short": lambda: npy(kernel)[:-4],
        "shape": lambda: npy(kernel.T.copy()),
    }
    new = special[content]() if isinstance(content, str) else content
    _rewrite(path, lambda name, data: new if name == entry else data)
    r, _ = _run_tool(path, [_x(2, 6)], tmp_path)
    assert r.returncode == 1 and message in r.stderr, r.stderr


def test_cpp_self_check_refuses_changed_outputs_unless_no_verify(tmp_path):
    model, path = _save_dense(tmp_path)
    with zipfile.ZipFile(path) as z:
        want = np.load(io.BytesIO(z.read("check/output_0.npy")))
    buf = io.BytesIO()
    np.save(buf, want + 0.01)
    _rewrite(path, lambda name, data: buf.getvalue() if name == "check/output_0.npy" else data)
    x = _x(3, 6)
    r, _ = _run_tool(path, [x], tmp_path)
    assert r.returncode == 1 and "fails its self-check" in r.stderr, r.stderr
    r, got = _run_tool(path, [x], tmp_path, "--no-verify")
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(got[0], model.predict(x, verbose=0), rtol=0, atol=1e-6)


MNIST_TOOL = BUILD / "examples" / "cpp" / "mnist_predict"


@pytest.mark.slow
@pytest.mark.skipif(not MNIST_TOOL.exists(), reason=f"{MNIST_TOOL} not built (needs zlib)")
def test_mnist_cnn_classifies_the_test_set_as_python_does(tmp_path):
    import sys

    from helpers import need_mnist

    mnist = need_mnist() / "mnist"
    sys.path.insert(0, str(REPO / "examples" / "cpp"))
    try:
        import train_mnist_cnn
    finally:
        sys.path.pop(0)
    path = tmp_path / "mnist_cnn.nerve"
    model = train_mnist_cnn.main(str(path), samples=4000)
    _, (x_test, y_test) = nerve.datasets.mnist.load_data()
    want = model.predict(train_mnist_cnn.scaled(x_test), verbose=0)
    out = tmp_path / "cpp.npy"
    r = subprocess.run(
        [str(MNIST_TOOL), str(path), str(mnist), str(out)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    got = np.load(out)
    assert got.shape == (10000, 10)
    np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    accuracy = float(np.mean(want.argmax(1) == y_test))
    assert accuracy > 0.7 and f"accuracy {accuracy:.4f}" in r.stdout


@pytest.mark.slow
def test_installed_package_builds_a_program_with_find_package(tmp_path):
    """`cmake --install` of the C++ build, then examples/cpp built on its own against it through
    find_package(nerve CONFIG) and nerve::core (the layout the wheel ships under nerve/)."""
    prefix, build = tmp_path / "prefix", tmp_path / "examples"

    def run(*cmd):
        r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        return r

    run("cmake", "--install", BUILD, "--prefix", prefix)
    config = prefix / "share" / "cmake" / "nerve"
    assert (config / "nerveConfig.cmake").is_file() and (
        prefix / "lib" / "libnerve_core.a"
    ).is_file()
    assert (prefix / "include" / "nerve" / "io" / "load_model.h").is_file()
    run("cmake", "-S", REPO / "examples" / "cpp", "-B", build, f"-Dnerve_DIR={config}")
    run("cmake", "--build", build, "--target", "nerve_predict", "-j2")
    model = _seq((4,), L.Dense(3, activation="softmax"))
    model.save(tmp_path / "m.nerve")
    x = _x(5, 4)
    np.save(tmp_path / "x.npy", x)
    (tmp_path / "out").mkdir()
    run(build / "nerve_predict", tmp_path / "m.nerve", tmp_path / "out", tmp_path / "x.npy")
    got = np.load(tmp_path / "out" / "output_0.npy")
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=0, atol=1e-6)


def test_random_json_values_give_an_error_message_never_a_crash(tmp_path):
    """Any JSON value swapped into any place of the file's JSON documents (CRCs kept right):
    the C++ loader either runs or exits 1 with a message; never a signal or a silent failure."""
    a, b = L.Input((7, 3)), L.Input((6,))
    h = L.Flatten()(L.Conv1D(2, 3)(L.Bidirectional(L.GRU(4, return_sequences=True))(a)))
    model = nerve.Model([a, b], [L.Concatenate()([L.Dense(3)(h), b]), L.Add()([b, b])])
    path = tmp_path / "m.nerve"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    inputs = [_x(2, 7, 3), _x(2, 6)]
    values = [None, True, 0, -1, 2**40, 1.5, "x", "relu", [], [1], [[1, 2]], {}, {"a": 1}]
    pick = np.random.default_rng(1)
    for _ in range(80):
        name = ["config.json", "weights.json", "metadata.json", "check.json"][pick.integers(4)]
        doc = json.loads(entries[name])
        places = []

        def walk(o, where, places=places):
            places.append(where)
            items = (
                o.items() if isinstance(o, dict) else enumerate(o) if isinstance(o, list) else []
            )
            for k, v in items:
                walk(v, [*where, k])

        walk(doc, [])
        where = places[1 + pick.integers(len(places) - 1)]
        parent = doc
        for k in where[:-1]:
            parent = parent[k]
        parent[where[-1]] = values[pick.integers(len(values))]
        with zipfile.ZipFile(path, "w") as z:
            for n, d in entries.items():
                z.writestr(n, json.dumps(doc).encode() if n == name else d)
        r, _ = _run_tool(path, inputs, tmp_path)
        assert r.returncode in (0, 1), (name, where, r.returncode, r.stderr)
        assert r.returncode == 0 or r.stderr.strip(), (name, where)


def test_cpp_predict_honours_the_mixed_bfloat16_policy(tmp_path):
    """A layer's policy is in its saved config: C++ computes its products in bfloat16 too."""
    x = _x(9, 8, 8, 2)

    def model(policy):
        nerve.utils.set_random_seed(7)
        return _seq(
            (8, 8, 2),
            L.Conv2D(4, 3, activation="relu", dtype=policy),
            L.Flatten(),
            L.Dense(5, dtype=policy),
        )

    mixed, plain = model("mixed_bfloat16"), model("float32")
    mixed.save(tmp_path / "m.nerve")
    want = mixed.predict(x, verbose=0)
    r, got = _run_tool(tmp_path / "m.nerve", [x], tmp_path)
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(got[0], want, rtol=0, atol=1e-6)
    assert np.abs(got[0] - plain.predict(x, verbose=0)).max() > 1e-4  # not the float32 result


def test_one_tuple_for_a_two_axis_argument_is_refused(tmp_path):
    """A config whose UpSampling2D size is [2] (Keras never writes one, and refuses it) is
    refused by the C++ reader too, not stretched to (2, 2)."""
    path = tmp_path / "m.nerve"
    _seq((4, 4, 2), L.UpSampling2D(2)).save(path)

    def one_tuple(node):
        if isinstance(node, dict):
            if node.get("class_name") == "UpSampling2D":
                node["config"]["size"] = [2]
            for v in node.values():
                one_tuple(v)
        elif isinstance(node, list):
            for v in node:
                one_tuple(v)
        return node

    _rewrite(
        path,
        lambda name, data: (
            json.dumps(one_tuple(json.loads(data))).encode() if name == "config.json" else data
        ),
    )
    r, _ = _run_tool(path, [_x(1, 4, 4, 2)], tmp_path)
    assert r.returncode == 1, r.stderr
    assert "size must be an int or a tuple of 2 ints, got (2,)" in r.stderr, r.stderr
