"""Graph models with the training features: regularizers (GraphModel lists its layers to the
trainer), sample and class weights on several outputs, C++ metrics per output, generators of
multi-input batches, train/test/predict_on_batch, and saving with every optimizer."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


@pytest.fixture(autouse=True)
def _seed():
    nerve.utils.set_random_seed(11)


def _two_output_model(reg=None):
    left, right = nerve.Input((4,), name="left"), nerve.Input((3,), name="right")
    h = L.Concatenate()(
        [L.Dense(6, activation="tanh", kernel_regularizer=reg, name="hidden")(left), right]
    )
    return nerve.Model(
        [left, right], [L.Dense(3, activation="softmax", name="cls")(h), L.Dense(1, name="reg")(h)]
    )


def _two_output_data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    xs = [
        rng.standard_normal((n, 4)).astype(np.float32),
        rng.standard_normal((n, 3)).astype(np.float32),
    ]
    ys = [rng.integers(0, 3, n), rng.standard_normal((n, 1)).astype(np.float32)]
    return xs, ys


def _per_sample_losses(model, xs, ys):
    p_cls, p_reg = (a.astype(np.float64) for a in model.predict(xs))
    ce = -np.log(p_cls[np.arange(len(ys[0])), ys[0]])
    se = ((p_reg - ys[1]) ** 2).mean(axis=1)
    return ce, se


def test_graph_model_regularizer_penalty_enters_the_loss():
    """all_layers() of the C++ GraphModel: the kernel penalty is part of the reported loss."""
    x = np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((16, 2)).astype(np.float32)
    inp = nerve.Input((4,))
    dense = L.Dense(5, activation="tanh", kernel_regularizer=nerve.regularizers.L2(0.1))
    out = L.Dense(2)(L.Add()([dense(inp), L.Dense(5)(inp)]))
    model = nerve.Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    mse = np.mean((model.predict(x).astype(np.float64) - y) ** 2)
    penalty = 0.1 * np.sum(dense.get_weights()[0].astype(np.float64) ** 2)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + penalty, rel=1e-5)


def test_graph_model_regularizer_changes_training():
    xs, ys = _two_output_data()
    plain, regular = _two_output_model(), _two_output_model(nerve.regularizers.L2(1.0))
    regular.set_weights(plain.get_weights())
    for m in (plain, regular):
        m.compile(
            optimizer=nerve.optimizers.SGD(0.1), loss=["sparse_categorical_crossentropy", "mse"]
        )
        m.fit(xs, ys, epochs=2, batch_size=8, shuffle=False, verbose=0)
    k_plain = plain.get_layer("hidden").get_weights()[0]
    k_reg = regular.get_layer("hidden").get_weights()[0]
    assert np.sum(k_reg**2) < np.sum(k_plain**2)  # weight decay pulled the kernel in


def test_sample_weight_weighs_every_output_loss():
    xs, ys = _two_output_data()
    model = _two_output_model()
    model.compile(
        optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[0.5, 2.0]
    )
    w = np.linspace(0.0, 2.0, len(ys[0])).astype(np.float32)
    logs = model.evaluate(xs, ys, sample_weight=w, return_dict=True, verbose=0, batch_size=7)
    ce, se = _per_sample_losses(model, xs, ys)
    n = len(w)
    assert logs["cls_loss"] == pytest.approx(np.sum(w * ce) / n, rel=1e-4)
    assert logs["reg_loss"] == pytest.approx(np.sum(w * se) / n, rel=1e-4)
    assert logs["loss"] == pytest.approx(
        0.5 * np.sum(w * ce) / n + 2.0 * np.sum(w * se) / n, rel=1e-4
    )
    # test_on_batch and train_on_batch take the same weights (train reports the pre-step loss)
    assert model.test_on_batch(xs, ys, sample_weight=w, return_dict=True)["loss"] == pytest.approx(
        logs["loss"], rel=1e-5
    )
    assert model.train_on_batch(xs, ys, sample_weight=w)[0] == pytest.approx(logs["loss"], rel=1e-5)


def test_zero_sample_weight_samples_do_not_train():
    xs, ys = _two_output_data(16)
    model = _two_output_model()
    model.compile(
        optimizer=nerve.optimizers.SGD(0.1), loss=["sparse_categorical_crossentropy", "mse"]
    )
    before = model.get_weights()
    model.fit(xs, ys, sample_weight=np.zeros(16, np.float32), epochs=1, batch_size=4, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_sample_weight_and_class_weight_errors_on_several_outputs():
    xs, ys = _two_output_data()
    model = _two_output_model()
    model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"])
    with pytest.raises(ValueError, match="class_weight is only supported for models with a single"):
        model.fit(xs, ys, class_weight={0: 1.0, 1: 2.0, 2: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="not one per output"):
        model.fit(xs, ys, sample_weight=[np.ones(24), np.ones(24)], verbose=0)
    with pytest.raises(ValueError, match="one weight per sample"):
        model.fit(xs, ys, sample_weight=np.ones(23), verbose=0)


def test_metric_specs_per_output_and_weighted_metrics():
    xs, ys = _two_output_data(40)
    model = _two_output_model()
    model.compile(
        optimizer="sgd",
        loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
        metrics={
            "cls": ["accuracy", nerve.metrics.SparseTopKCategoricalAccuracy(k=2)],
            "reg": ["mae"],
        },
        weighted_metrics={"reg": ["mae"]},
    )
    w = np.linspace(0.5, 1.5, 40).astype(np.float32)
    logs = model.evaluate(xs, ys, sample_weight=w, return_dict=True, verbose=0, batch_size=9)
    assert list(logs) == [  # sorted by name, as Keras's logs
        "cls_accuracy",
        "cls_loss",
        "cls_sparse_top_k_categorical_accuracy",
        "loss",
        "reg_loss",
        "reg_mae",
        "reg_weighted_mae",
    ]
    p_cls, p_reg = model.predict(xs)
    top2 = np.argsort(-p_cls, axis=1)[:, :2]
    err = np.abs(p_reg[:, 0].astype(np.float64) - ys[1][:, 0])
    assert logs["cls_accuracy"] == pytest.approx(np.mean(p_cls.argmax(1) == ys[0]))
    assert logs["cls_sparse_top_k_categorical_accuracy"] == pytest.approx(
        np.mean([ys[0][i] in top2[i] for i in range(40)])
    )
    assert logs["reg_mae"] == pytest.approx(err.mean(), rel=1e-5)
    assert logs["reg_weighted_mae"] == pytest.approx(np.sum(w * err) / np.sum(w), rel=1e-5)


def test_generator_of_multi_input_batches_matches_arrays():
    xs, ys = _two_output_data(32)
    nerve.utils.set_random_seed(3)
    a = _two_output_model()
    nerve.utils.set_random_seed(3)
    b = _two_output_model()
    for m in (a, b):
        m.compile(
            optimizer=nerve.optimizers.Adam(0.01),
            loss=["sparse_categorical_crossentropy", "mse"],
            metrics=[["accuracy"], []],
        )
    ha = a.fit(xs, ys, batch_size=8, epochs=2, shuffle=False, verbose=0)

    def batches():
        while True:
            for i in range(0, 32, 8):
                yield (
                    {"left": xs[0][i : i + 8], "right": xs[1][i : i + 8]},
                    [ys[0][i : i + 8], ys[1][i : i + 8]],
                )

    hb = b.fit(batches(), steps_per_epoch=4, epochs=2, verbose=0, validation_data=(xs, ys))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)
    assert ha.history["loss"] == pytest.approx(hb.history["loss"], rel=1e-6)
    assert "val_cls_accuracy" in hb.history
    preds = b.predict(
        ((x0, x1),) for x0, x1 in [(xs[0][:10], xs[1][:10]), (xs[0][10:], xs[1][10:])]
    )
    for p, q in zip(preds, b.predict(xs)):
        np.testing.assert_allclose(p, q, rtol=1e-6)
    for p, q in zip(b.predict_on_batch(xs), b.predict(xs)):
        np.testing.assert_allclose(p, q, rtol=1e-6)


def test_validation_data_with_weights_and_freq_on_several_outputs():
    xs, ys = _two_output_data(32)
    model = _two_output_model()
    model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"])
    w = np.ones(32, np.float32)
    w[16:] = 0.0
    hist = model.fit(xs, ys, epochs=4, verbose=0, validation_freq=2, validation_data=(xs, ys, w))
    assert len(hist.history["val_loss"]) == 2
    want = model.evaluate([a[:16] for a in xs], [a[:16] for a in ys], verbose=0, return_dict=True)
    assert hist.history["val_reg_loss"][-1] == pytest.approx(want["reg_loss"] / 2, rel=1e-5)


OPTIMIZERS = {
    "sgd": lambda: nerve.optimizers.SGD(0.05, momentum=0.9),
    "adam": lambda: nerve.optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda: nerve.optimizers.AdamW(0.01),
    "rmsprop": lambda: nerve.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: nerve.optimizers.Adagrad(0.05),
    "adadelta": lambda: nerve.optimizers.Adadelta(1.0),
    "adamax": lambda: nerve.optimizers.Adamax(0.01),
    "nadam": lambda: nerve.optimizers.Nadam(0.01),
    "lion": lambda: nerve.optimizers.Lion(0.01, weight_decay=0.05),
    "lamb": lambda: nerve.optimizers.Lamb(0.01, weight_decay=0.05),
    "ftrl": lambda: nerve.optimizers.Ftrl(0.05, initial_accumulator_value=0.2, beta=0.1),
    "schedule": lambda: nerve.optimizers.Adam(
        nerve.optimizers.schedules.ExponentialDecay(0.02, decay_steps=3, decay_rate=0.5)
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_is_bit_exact_for_every_optimizer(tmp_path, name):
    """The saved optimizer state (slots and iterations; Nadam's momentum product is rebuilt from
    iterations) makes a resumed fit match the uninterrupted one exactly."""
    xs, ys = _two_output_data(24)

    def compiled():
        m = _two_output_model()
        m.compile(
            optimizer=OPTIMIZERS[name](),
            loss=["sparse_categorical_crossentropy", "mse"],
            metrics=[["accuracy"], [nerve.metrics.MeanAbsoluteError()]],
        )
        return m

    nerve.utils.set_random_seed(21)
    straight = compiled()
    straight.fit(xs, ys, epochs=3, batch_size=8, shuffle=False, verbose=0)
    nerve.utils.set_random_seed(21)
    first = compiled()
    first.fit(xs, ys, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / "ckpt.nerve")
    resumed = nerve.models.load_model(tmp_path / "ckpt.nerve")
    assert type(resumed.optimizer) is type(first.optimizer)
    assert resumed.optimizer.iterations == 6
    assert resumed.optimizer.get_config() == first.optimizer.get_config()
    resumed.fit(xs, ys, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_saves_a_loadable_graph_model(tmp_path):
    xs, ys = _two_output_data(24)
    model = _two_output_model()
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    ckpt = nerve.callbacks.ModelCheckpoint(
        str(tmp_path / "best.nerve"), monitor="val_loss", save_best_only=True
    )
    model.fit(xs, ys, epochs=3, verbose=0, validation_data=(xs, ys), callbacks=[ckpt])
    best = nerve.models.load_model(tmp_path / "best.nerve")
    assert best.evaluate(xs, ys, verbose=0)[0] == pytest.approx(
        min(model.history.history["val_loss"]), rel=1e-5
    )


def test_shared_layer_activity_penalty_counts_every_call():
    rng = np.random.default_rng(4)
    a_x, b_x = (rng.standard_normal((8, 3)).astype(np.float32) for _ in range(2))
    y = rng.standard_normal((8, 4)).astype(np.float32)
    a, b = nerve.Input((3,)), nerve.Input((3,))
    shared = L.Dense(4, activity_regularizer=nerve.regularizers.L1(0.01))
    model = nerve.Model([a, b], L.Add()([shared(a), shared(b)]))
    model.compile(optimizer="sgd", loss="mse")
    k, bias = (w.astype(np.float64) for w in shared.get_weights())
    ha, hb = a_x @ k + bias, b_x @ k + bias
    # Each call's penalty is divided by its batch size (8), as Keras 3 does.
    want = np.mean((ha + hb - y) ** 2) + 0.01 * (np.abs(ha).sum() + np.abs(hb).sum()) / 8
    assert model.evaluate([a_x, b_x], y, verbose=0, batch_size=8) == pytest.approx(want, rel=1e-5)


def test_sequence_layers_in_a_functional_model_train_and_round_trip(tmp_path):
    """Sequence layers take symbolic inputs (one, or a list for attention) and rebuild from a
    saved config."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 6, 4)).astype(np.float32)
    y = (x[:, :, 0].mean(1) > 0).astype(np.float32)
    inp = nerve.Input((6, 4))
    h = L.Dense(8, kernel_regularizer="l2")(inp)
    h = L.Add()([h, L.MultiHeadAttention(2, 4)(h, h)])
    out = L.Dense(1, activation="sigmoid")(L.LSTM(8)(h))
    model = nerve.Model(inp, out)
    model.compile(optimizer="nadam", loss="binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    model.save(tmp_path / "seq.nerve")
    loaded = nerve.models.load_model(tmp_path / "seq.nerve")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
