"""Keras parity of nerve's signatures: every Keras argument of every nerve class, function and
model method with a Keras namesake is either implemented (Keras's default and meaning) or refused
with an error naming it; defaults equal Keras's; dtype= is float32 only. The same run keeps
docs/keras-compat.md up to date (NERVE_WRITE_COMPAT_DOC=1 rewrites it).

The audit itself is in keras_compat_audit.py."""

import os
import pathlib
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

import nerve  # noqa: E402
from nerve.utils.keras_args import UnsupportedArgumentError  # noqa: E402

import keras_compat_audit as audit  # noqa: E402

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "keras-compat.md"


@pytest.fixture(scope="module")
def audited():
    return audit.run_audit()


def test_every_keras_argument_is_implemented_or_refused(audited):
    entries, _ = audited
    problems = [f"{e.family} {e.name}: {p}" for e in entries for p in e.problems]
    assert not problems, "\n".join(problems)


def test_the_audit_covers_the_api(audited):
    entries, _ = audited
    names = {(e.family, e.name) for e in entries}
    for expected in [
        ("layers", "Dense"),
        ("layers", "LSTM"),
        ("layers", "Input"),
        ("optimizers", "Adam"),
        ("losses", "Huber"),
        ("losses", "huber"),
        ("metrics", "AUC"),
        ("schedules", "CosineDecay"),
        ("callbacks", "EarlyStopping"),
        ("models", "Model.fit"),
        ("models", "Model.compile"),
        ("models", "Sequential.add"),
        ("initializers", "GlorotUniform"),
        ("regularizers", "L2"),
    ]:
        assert expected in names
    # the rejections were exercised by constructing with non-default values
    dense = next(e for e in entries if e.name == "Dense")
    assert {"kernel_constraint", "lora_rank", "autocast"} <= set(dense.raises)
    assert {"units", "activation", "kernel_regularizer", "input_shape"} <= set(dense.implemented)


def test_nerve_layers_without_keras_namesake_are_known():
    unknown = [
        n
        for n in audit.nerve_only_names()
        if n not in audit.NERVE_ONLY and n not in audit.NOT_AUDITED
    ]
    assert not unknown, f"nerve layers with no keras.layers namesake: {unknown}"


def test_rejection_names_the_layer_argument_and_value():
    layer = nerve.layers.Dense(2, kernel_constraint=None)  # Keras's default passes
    with pytest.raises(NotImplementedError) as info:
        nerve.layers.Dense(2, kernel_constraint="non_neg", name="d1")
    message = str(info.value)
    assert "Dense 'd1'" in message and "kernel_constraint='non_neg'" in message
    assert isinstance(info.value, ValueError)  # Keras raises ValueError for bad values
    with pytest.raises(UnsupportedArgumentError, match="use_ema=True"):
        nerve.optimizers.Adam(use_ema=True)
    with pytest.raises(UnsupportedArgumentError, match="reduction='sum'"):
        nerve.losses.MeanSquaredError(reduction="sum")
    with pytest.raises(UnsupportedArgumentError, match="Model.compile: jit_compile=True"):
        nerve.Sequential([nerve.Input((2,)), layer]).compile(loss="mse", jit_compile=True)
    with pytest.raises(UnsupportedArgumentError, match="HeNormal: input_axes=0"):
        nerve.initializers.HeNormal(input_axes=0)
    with pytest.raises(UnsupportedArgumentError, match="Sequential.add: rebuild=False"):
        nerve.Sequential().add(nerve.layers.Dense(2), rebuild=False)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nerve.layers.Dense(2, not_an_argument=1),
        lambda: nerve.layers.SimpleRNN(2, recurrent_activation="tanh"),  # LSTM/GRU only in Keras
        lambda: nerve.layers.GRU(2, unit_forget_bias=False),
        lambda: nerve.optimizers.Adam(decay=0.1),
    ],
)
def test_unknown_keywords_are_refused(make):
    with pytest.raises(ValueError, match="not recognized|Unrecognized"):
        make()


def test_default_names_match_keras():
    pairs = [
        (getattr(nerve.optimizers, n)(), getattr(keras.optimizers, n)())
        for n in (
            "SGD",
            "Adam",
            "AdamW",
            "RMSprop",
            "Adagrad",
            "Adadelta",
            "Adamax",
            "Nadam",
            "Lion",
            "Lamb",
            "Ftrl",
        )
    ]
    pairs += [
        (getattr(nerve.metrics, n)(), getattr(keras.metrics, n)())
        for n in (
            "BinaryAccuracy",
            "CategoricalAccuracy",
            "SparseCategoricalAccuracy",
            "TopKCategoricalAccuracy",
            "SparseTopKCategoricalAccuracy",
            "MeanAbsoluteError",
            "MeanSquaredError",
            "Precision",
            "Recall",
            "AUC",
        )
    ]
    pairs += [
        (
            nerve.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9),
            keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9),
        ),
        (
            nerve.optimizers.schedules.PiecewiseConstantDecay([1], [0.1, 0.2]),
            keras.optimizers.schedules.PiecewiseConstantDecay([1], [0.1, 0.2]),
        ),
        (
            nerve.optimizers.schedules.CosineDecay(0.1, 10),
            keras.optimizers.schedules.CosineDecay(0.1, 10),
        ),
    ]
    for ours, theirs in pairs:
        # Keras numbers a default name once it was used in the process ("adam_3"); nerve keeps
        # the default name (history keys stay "auc", not "auc_1", in a second model).
        assert ours.name == re.sub(r"_\d+$", "", theirs.name), type(ours).__name__


def test_loss_get_config_gives_keras_names_and_round_trips():
    huber = nerve.losses.Huber(0.5)
    config = huber.get_config()
    assert config["name"] == keras.losses.Huber().get_config()["name"] == "huber_loss"
    again = nerve.losses.Huber(**config)
    assert again.delta == 0.5


@pytest.mark.parametrize(
    "name",
    [
        "mean_squared_error",
        "mean_absolute_error",
        "huber",
        "kl_divergence",
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
    ],
)
@pytest.mark.parametrize("shape", [(6, 3), (4, 5, 3)])
def test_loss_functions_give_one_value_per_sample_as_keras(name, shape):
    rng = np.random.default_rng(1)
    pred = rng.random(shape).astype(np.float32) + 0.05
    pred /= pred.sum(-1, keepdims=True)
    ids = rng.integers(0, shape[-1], shape[:-1])
    true = (
        ids.astype(np.float32)
        if name.startswith("sparse")
        else np.eye(shape[-1], dtype=np.float32)[ids]
    )
    ours = getattr(nerve.losses, name)(true, pred)
    theirs = np.asarray(getattr(keras.losses, name)(true, pred))
    assert ours.shape == theirs.shape == shape[:-1]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_loss_functions_on_tensors_give_differentiable_tensors():
    # (against Keras's values and gradients: test_keras_parity_generative.py)
    true = np.array([[0.0, 1.0], [2.0, 0.5]], np.float32)
    pred = nerve.Tensor(np.array([[1.0, 1.0], [0.0, 0.0]], np.float32))
    per_sample = nerve.losses.mean_squared_error(true, pred)
    assert isinstance(per_sample, nerve.Tensor)
    np.testing.assert_allclose(per_sample, nerve.losses.mean_squared_error(true, np.asarray(pred)))


def test_terminate_on_nan_raise_error():
    model = nerve.Sequential([nerve.Input((2,)), nerve.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 2), np.float32)
    x[3] *= 1e30  # the squared error overflows float32
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        model.fit(
            x,
            np.ones((8, 1), np.float32),
            batch_size=8,
            verbose=0,
            callbacks=[nerve.callbacks.TerminateOnNaN(raise_error=True)],
        )


# ---- dtype ---------------------------------------------------------------------------------


def _layer_makers():
    """(name, make(**extra)) for every audited layer class."""
    out = []
    for name in audit._public(nerve.layers):
        obj = getattr(nerve.layers, name)
        if (
            name in audit.NOT_AUDITED
            or name in ("KerasTensor", "Input", "InputLayer")
            or not isinstance(obj, type)
        ):
            continue
        out.append(
            (name, lambda _obj=obj, _label=name, **extra: audit._build(_obj, _label, **extra))
        )
    return out


LAYER_MAKERS = _layer_makers()
FLOAT32_SPELLINGS = [
    None,
    "float32",
    np.float32,
    np.dtype("float32"),
    {"class_name": "DTypePolicy", "config": {"name": "float32"}},
]


@pytest.mark.parametrize("name,make", LAYER_MAKERS, ids=[n for n, _ in LAYER_MAKERS])
def test_every_layer_refuses_dtypes_nerve_does_not_compute_in(name, make):
    for dtype in FLOAT32_SPELLINGS + [keras.DTypePolicy("float32")]:
        layer = make(dtype=dtype)
        assert layer.dtype == "float32"
        assert layer.get_config()["dtype"] == "float32"
    for bad in [
        "float16",
        "mixed_float16",
        "float64",
        "int32",
        np.float64,
        "bfloat16",
    ]:
        with pytest.raises(ValueError) as info:
            make(dtype=bad, name=f"{name.lower()}_bad")
        message = str(info.value)
        cls = getattr(nerve.layers, name).__name__  # aliases (MaxPool2D) report the class
        assert f"{cls} '{name.lower()}_bad'" in message and "dtype=" in message
        assert repr(bad) in message and "float32" in message


def test_layer_config_with_dtype_round_trips():
    dense = nerve.layers.Dense(3, activation="relu", dtype="float32")
    config = dense.get_config()
    assert config["dtype"] == "float32"
    again = nerve.layers.Dense.from_config({**config, "name": "dense_again"})
    assert again.dtype == "float32" and again.units == 3
    # a Keras config's serialised policy is accepted too
    keras_config = keras.layers.Dense(3).get_config()
    assert (
        nerve.layers.Dense.from_config({"units": 3, "dtype": keras_config["dtype"]}).dtype
        == "float32"
    )


def test_losses_and_metrics_take_float32_only():
    nerve.losses.MeanSquaredError(dtype="float32")
    nerve.metrics.AUC(dtype=np.float32)
    with pytest.raises(ValueError, match="MeanSquaredError: dtype='float16'"):
        nerve.losses.MeanSquaredError(dtype="float16")
    with pytest.raises(ValueError, match="BinaryAccuracy 'binary_accuracy': dtype='float64'"):
        nerve.metrics.BinaryAccuracy(dtype="float64")


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool", np.int32, "float32", None])
def test_input_takes_float32_and_integer_dtypes(dtype):
    x = nerve.Input(shape=(4,), dtype=dtype)
    layer = x._node.layer
    expected = "float32" if dtype is None else np.dtype(dtype).name
    assert layer.dtype == expected and layer.get_config()["dtype"] == expected
    assert x.dtype == expected
    assert keras.Input(shape=(4,), dtype=dtype).dtype == expected  # what Keras reports


@pytest.mark.parametrize("dtype", ["float16", "mixed_float16", "float64", "complex64"])
def test_input_refuses_other_dtypes(dtype):
    with pytest.raises(ValueError, match=f"InputLayer 'ids': dtype={dtype!r}"):
        nerve.Input(shape=(4,), dtype=dtype, name="ids")


def test_integer_input_feeds_embedding_exactly():
    """Input(dtype='int32') -> Embedding, as Keras users write it: ids arrive as float32,
    exactly, so the lookup matches the table."""
    ids = nerve.Input(shape=(5,), dtype="int32")
    embedding = nerve.layers.Embedding(1000, 3)
    model = nerve.Model(ids, embedding(ids))
    batch = np.array([[0, 1, 999, 500, 7], [3, 3, 2, 1, 0]], dtype=np.int32)
    table = embedding.get_weights()[0]
    np.testing.assert_array_equal(model.predict(batch, verbose=0), table[batch])


def test_input_batch_shape():
    assert nerve.Input(batch_shape=(None, 7))._node.layer.shape == (7,)
    with pytest.raises(UnsupportedArgumentError, match="batch_shape=\\(32, 7\\)"):
        nerve.Input(batch_shape=(32, 7))


# ---- the compatibility document ------------------------------------------------------------


def test_compat_doc_is_up_to_date(audited):
    entries, missing = audited
    text = audit.render(entries, missing)
    if os.environ.get("NERVE_WRITE_COMPAT_DOC") == "1":
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
    assert DOC.exists(), "docs/keras-compat.md is missing; run with NERVE_WRITE_COMPAT_DOC=1"
    assert DOC.read_text() == text, (
        "docs/keras-compat.md is out of date; regenerate it with "
        "NERVE_WRITE_COMPAT_DOC=1 python -m pytest "
        "tests/test_keras_signatures.py"
    )
