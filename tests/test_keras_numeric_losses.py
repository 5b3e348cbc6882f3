"""Every loss and metric nerve shares with Keras 3, against Keras itself: the same small model
with the same weights, compiled the same way, gives the same evaluate() results and the same
History (training and validation losses and metrics, per epoch) and final weights after a few
epochs of fit (shuffle=False, the same batch size, no dropout)."""

import numpy as np
import pytest

import nerve

from _keras_diff import assert_close, assert_history_close, assert_weights_close, keras, twin_models

# Keras 3.15's own Variable.__array__ lacks numpy 2's copy keyword
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

N, BATCH, EPOCHS = 16, 4, 3
RNG = np.random.default_rng(7)
X = RNG.normal(size=(N, 4)).astype(np.float32)
X_VAL = RNG.normal(size=(8, 4)).astype(np.float32)


def targets(kind, n):
    if kind == "regression":
        return RNG.normal(size=(n, 3)).astype(np.float32)
    if kind == "binary":
        return RNG.integers(0, 2, size=(n, 3)).astype(np.float32)
    if kind == "sparse":
        return RNG.integers(0, 3, size=(n,)).astype(np.float32)
    if kind == "onehot":
        return np.eye(3, dtype=np.float32)[RNG.integers(0, 3, size=n)]
    if kind == "distribution":
        p = RNG.uniform(0.05, 1.0, size=(n, 3)).astype(np.float32)
        return p / p.sum(axis=1, keepdims=True)
    raise AssertionError(kind)


Y = {
    k: (targets(k, N), targets(k, 8))
    for k in ("regression", "binary", "sparse", "onehot", "distribution")
}


def model_with(output_activation):
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(5, activation="tanh"),
                lib.layers.Dense(3, activation=output_activation),
            ]
        )

    return build


def run_both(
    label,
    output_activation,
    target_kind,
    loss,
    metrics=(),
    weighted_metrics=None,
    optimizer=lambda lib: lib.optimizers.SGD(0.1),
    sample_weight=None,
    rtol=1e-5,
    batch_size=BATCH,
):
    """Compiles both models with loss(lib) and metrics(lib), compares evaluate, then fit's History
    and final weights."""
    k, n = twin_models(model_with(output_activation))
    y, y_val = Y[target_kind]
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(
            optimizer=optimizer(lib),
            loss=loss(lib),
            metrics=list(metrics(lib)),
            weighted_metrics=None if weighted_metrics is None else list(weighted_metrics(lib)),
        )
    want = k.evaluate(
        X, y, batch_size=batch_size, sample_weight=sample_weight, return_dict=True, verbose=0
    )
    got = n.evaluate(
        X, y, batch_size=batch_size, sample_weight=sample_weight, return_dict=True, verbose=0
    )
    assert sorted(got) == sorted(want), f"{label}: evaluate keys differ"
    for key in want:
        assert_close(f"{label} evaluate[{key}]", got[key], want[key], rtol)
    kw = dict(
        batch_size=batch_size,
        epochs=EPOCHS,
        shuffle=False,
        verbose=0,
        validation_data=(X_VAL, y_val),
        sample_weight=sample_weight,
    )
    want_h = k.fit(X, y, **kw).history
    got_h = n.fit(X, y, **kw).history
    assert_history_close(label, got_h, want_h, rtol)
    assert_weights_close(label, n, k, rtol)


LOSSES = [
    # (id, output activation, targets, loss(lib), metrics(lib))
    (
        "mean_squared_error",
        None,
        "regression",
        lambda lib: "mean_squared_error",
        lambda lib: ["mae", "mse", lib.metrics.MeanAbsoluteError(name="mae_object")],
    ),
    ("mean_absolute_error", None, "regression", lambda lib: "mae", lambda lib: ["mse"]),
    (
        "Huber-delta0.3",
        None,
        "regression",
        lambda lib: lib.losses.Huber(delta=0.3),
        lambda lib: [lib.metrics.MeanSquaredError()],
    ),
    (
        "binary_crossentropy",
        "sigmoid",
        "binary",
        lambda lib: "binary_crossentropy",
        lambda lib: [
            "accuracy",
            lib.metrics.BinaryAccuracy(name="ba7", threshold=0.7),
            lib.metrics.Precision(),
            lib.metrics.Recall(),
            lib.metrics.Precision(thresholds=0.3, name="p3"),
            lib.metrics.Recall(thresholds=0.6, name="r6"),
        ],
    ),
    (
        "BinaryCrossentropy-label_smoothing",
        "sigmoid",
        "binary",
        lambda lib: lib.losses.BinaryCrossentropy(label_smoothing=0.2),
        lambda lib: ["mae"],
    ),
    (
        "BinaryCrossentropy-logits-smoothing",
        None,
        "binary",
        lambda lib: lib.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
        lambda lib: [],
    ),
    (
        "categorical_crossentropy",
        "softmax",
        "onehot",
        lambda lib: "categorical_crossentropy",
        lambda lib: [
            "accuracy",
            lib.metrics.TopKCategoricalAccuracy(k=2),
            lib.metrics.CategoricalAccuracy(name="ca"),
        ],
    ),
    (
        "CategoricalCrossentropy-label_smoothing",
        "softmax",
        "onehot",
        lambda lib: lib.losses.CategoricalCrossentropy(label_smoothing=0.2),
        lambda lib: [],
    ),
    (
        "CategoricalCrossentropy-logits-smoothing",
        None,
        "onehot",
        lambda lib: lib.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
        lambda lib: [],
    ),
    (
        "sparse_categorical_crossentropy",
        "softmax",
        "sparse",
        lambda lib: "sparse_categorical_crossentropy",
        lambda lib: ["accuracy", lib.metrics.SparseTopKCategoricalAccuracy(k=2)],
    ),
    (
        "SparseCategoricalCrossentropy-from_logits",
        None,
        "sparse",
        lambda lib: lib.losses.SparseCategoricalCrossentropy(from_logits=True),
        lambda lib: [lib.metrics.SparseCategoricalAccuracy()],
    ),
    (
        "KLDivergence",
        "softmax",
        "distribution",
        lambda lib: lib.losses.KLDivergence(),
        lambda lib: ["mae"],
    ),
]


@pytest.mark.parametrize(
    "activation,target_kind,loss,metrics", [c[1:] for c in LOSSES], ids=[c[0] for c in LOSSES]
)
def test_loss_and_metrics_match_keras(request, activation, target_kind, loss, metrics):
    run_both(request.node.callspec.id, activation, target_kind, loss, metrics)


def test_sample_weight_and_weighted_metrics_match_keras():
    """sample_weight scales the loss (sum over the batch / batch size) and the weighted_metrics,
    not the plain metrics."""
    w = RNG.uniform(0.1, 2.0, size=N).astype(np.float32)
    run_both(
        "sample_weight",
        "softmax",
        "onehot",
        lambda lib: "categorical_crossentropy",
        lambda lib: ["accuracy", "mae"],
        weighted_metrics=lambda lib: [
            lib.metrics.CategoricalAccuracy(name="w_acc"),
            lib.metrics.MeanSquaredError(name="w_mse"),
        ],
        sample_weight=w,
    )


def test_partial_last_batch_matches_keras():
    """16 samples in batches of 5: the last batch of 1 counts by its size in the epoch means."""
    w = RNG.uniform(0.1, 2.0, size=N).astype(np.float32)
    run_both(
        "batch_size=5",
        "softmax",
        "onehot",
        lambda lib: "categorical_crossentropy",
        lambda lib: ["accuracy", "mse"],
        sample_weight=w,
        batch_size=5,
    )


@pytest.mark.parametrize(
    "name",
    [
        "mean_squared_error",
        "mean_absolute_error",
        "huber",
        "binary_crossentropy",
        "categorical_crossentropy",
        "kl_divergence",
    ],
)
def test_loss_functions_on_arrays_match_keras(name):
    """The standalone loss objects (reduced with sum_over_batch_size), with and without
    sample_weight, on arrays whose predictions include the clipping range."""
    y_true = (
        Y["distribution"][0]
        if name in ("categorical_crossentropy", "kl_divergence")
        else Y["binary"][0]
    )
    y_pred = RNG.uniform(0.0, 1.0, size=y_true.shape).astype(np.float32)
    y_pred[0, 0], y_pred[1, 1] = 0.0, 1.0  # at the clipping bounds
    if name in ("categorical_crossentropy", "kl_divergence"):
        y_pred /= y_pred.sum(axis=1, keepdims=True)
    w = RNG.uniform(0.0, 2.0, size=N).astype(np.float32)
    cls = {
        "mean_squared_error": "MeanSquaredError",
        "mean_absolute_error": "MeanAbsoluteError",
        "huber": "Huber",
        "binary_crossentropy": "BinaryCrossentropy",
        "categorical_crossentropy": "CategoricalCrossentropy",
        "kl_divergence": "KLDivergence",
    }[name]
    for sw in (None, w):
        want = float(getattr(keras.losses, cls)()(y_true, y_pred, sample_weight=sw))
        got = getattr(nerve.losses, cls)()(y_true, y_pred, sample_weight=sw)
        assert_close(f"{cls}(arrays, weighted={sw is not None})", got, want)


@pytest.mark.parametrize(
    "cls,kwargs",
    [
        ("CategoricalCrossentropy", {}),
        ("CategoricalCrossentropy", {"label_smoothing": 0.2}),
        ("KLDivergence", {}),
        ("MeanSquaredError", {}),
        ("Huber", {"delta": 0.5}),
    ],
    ids=["cce", "cce-smoothing", "kld", "mse", "huber"],
)
def test_losses_on_unnormalized_sequences_match_keras(cls, kwargs):
    """(batch, timesteps, classes) predictions whose rows do not sum to 1 (Keras rescales them for
    the crossentropy): the mean over batch and timesteps."""
    y_true = np.stack([targets("distribution", 4) for _ in range(3)])
    y_pred = RNG.uniform(0.0, 2.0, size=y_true.shape).astype(np.float32)
    y_pred[0, 0, 0] = 0.0
    want = float(getattr(keras.losses, cls)(**kwargs)(y_true, y_pred))
    got = getattr(nerve.losses, cls)(**kwargs)(y_true, y_pred)
    assert_close(f"{cls}{kwargs}(3-D arrays)", got, want)


def test_sparse_categorical_crossentropy_on_arrays_matches_keras():
    y_true = Y["sparse"][0]
    logits = RNG.normal(size=(N, 3)).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for from_logits, pred in ((True, logits), (False, probs)):
        want = float(
            keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)(y_true, pred)
        )
        got = nerve.losses.SparseCategoricalCrossentropy(from_logits=from_logits)(y_true, pred)
        assert_close(f"SparseCategoricalCrossentropy(arrays, from_logits={from_logits})", got, want)


@pytest.mark.parametrize(
    "cls,kwargs,kind",
    [
        ("BinaryAccuracy", {"threshold": 0.3}, "binary"),
        ("CategoricalAccuracy", {}, "onehot"),
        ("SparseCategoricalAccuracy", {}, "sparse"),
        ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
        ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
        ("MeanAbsoluteError", {}, "regression"),
        ("MeanSquaredError", {}, "regression"),
        ("Precision", {"thresholds": 0.4}, "binary"),
        ("Recall", {"thresholds": 0.4}, "binary"),
    ],
)
def test_metric_objects_accumulate_like_keras(cls, kwargs, kind):
    """update_state over two weighted batches, then result()."""
    k_metric = getattr(keras.metrics, cls)(**kwargs)
    n_metric = getattr(nerve.metrics, cls)(**kwargs)
    for _ in range(2):
        y_true = targets(kind, 6)
        y_pred = RNG.uniform(0.0, 1.0, size=(6, 3)).astype(np.float32)
        w = RNG.uniform(0.0, 2.0, size=6).astype(np.float32)
        k_metric.update_state(y_true, y_pred, sample_weight=w)
        n_metric.update_state(y_true, y_pred, sample_weight=w)
    assert_close(f"{cls}.result()", n_metric.result(), float(k_metric.result()))


def test_metric_call_accumulates_like_keras():
    """metric(y_true, y_pred) updates the running state and returns the running result."""
    k_metric, n_metric = keras.metrics.MeanAbsoluteError(), nerve.metrics.MeanAbsoluteError()
    for i in range(3):
        y_true, y_pred = targets("regression", 4), targets("regression", 4)
        assert_close(
            f"MeanAbsoluteError call {i}", n_metric(y_true, y_pred), float(k_metric(y_true, y_pred))
        )


def test_one_unit_binary_output_matches_keras():
    """One sigmoid unit: 'accuracy' is binary accuracy; precision and recall by name."""

    def build(lib):
        return lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(5, activation="tanh"),
                lib.layers.Dense(1, activation="sigmoid"),
            ]
        )

    k, n = twin_models(build)
    y = Y["binary"][0][:, :1]
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(
            optimizer=lib.optimizers.SGD(0.1),
            loss="binary_crossentropy",
            metrics=["accuracy", "precision", "recall"],
        )
    kw = dict(batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    assert_history_close("one unit", n.fit(X, y, **kw).history, k.fit(X, y, **kw).history)
    assert_weights_close("one unit", n, k)


def test_weight_regularizers_in_the_loss_match_keras():
    """kernel / bias regularizers (L1, L2, L1L2) add their penalties to the trained loss."""

    def build(lib):
        r = lib.regularizers
        return lib.Sequential(
            [
                lib.Input((4,)),
                lib.layers.Dense(
                    5, activation="tanh", kernel_regularizer=r.L2(0.05), bias_regularizer=r.L1(0.02)
                ),
                lib.layers.Dense(3, kernel_regularizer=r.L1L2(0.01, 0.02)),
            ]
        )

    k, n = twin_models(build)
    y = Y["regression"][0]
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    assert_close(
        "regularized evaluate",
        n.evaluate(X, y, batch_size=BATCH, verbose=0)[0],
        k.evaluate(X, y, batch_size=BATCH, verbose=0)[0],
    )
    kw = dict(batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    assert_history_close("regularizers", n.fit(X, y, **kw).history, k.fit(X, y, **kw).history)
    assert_weights_close("regularizers", n, k)


def test_class_weight_and_validation_split_match_keras():
    """class_weight weights each sample's loss by its class (and the weighted metrics), and
    validation_split holds out the last samples, unshuffled."""
    k, n = twin_models(model_with("softmax"))
    y = Y["sparse"][0]
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(
            optimizer=lib.optimizers.SGD(0.1),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            weighted_metrics=["sparse_categorical_accuracy"],
        )
    kw = dict(
        batch_size=BATCH,
        epochs=EPOCHS,
        shuffle=False,
        verbose=0,
        validation_split=0.25,
        class_weight={0: 0.5, 1: 2.0, 2: 1.0},
    )
    assert_history_close("class_weight", n.fit(X, y, **kw).history, k.fit(X, y, **kw).history)
    assert_weights_close("class_weight", n, k)


def test_two_outputs_with_loss_weights_match_keras():
    """A functional model with two named outputs: per-output losses and metrics in History
    (Keras's '<output>_loss' and '<output>_<metric>' names), the loss_weights-weighted total."""

    def build(lib):
        x = lib.Input((4,))
        h = lib.layers.Dense(5, activation="tanh")(x)
        return lib.Model(
            x,
            [
                lib.layers.Dense(3, name="reg")(h),
                lib.layers.Dense(3, activation="softmax", name="cls")(h),
            ],
        )

    k, n = twin_models(build)
    y = [Y["regression"][0], Y["onehot"][0]]
    y_val = [Y["regression"][1], Y["onehot"][1]]
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(
            optimizer=lib.optimizers.SGD(0.1),
            loss=["mse", "categorical_crossentropy"],
            loss_weights=[0.5, 2.0],
            metrics=[["mae"], ["accuracy"]],
        )
    want = k.evaluate(X, y, batch_size=BATCH, return_dict=True, verbose=0)
    got = n.evaluate(X, y, batch_size=BATCH, return_dict=True, verbose=0)
    assert sorted(got) == sorted(want), f"evaluate keys differ: {sorted(got)} vs {sorted(want)}"
    for key in want:
        assert_close(f"two outputs evaluate[{key}]", got[key], want[key])
    kw = dict(
        batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, validation_data=(X_VAL, y_val)
    )
    assert_history_close("two outputs", n.fit(X, y, **kw).history, k.fit(X, y, **kw).history)
    assert_weights_close("two outputs", n, k)
