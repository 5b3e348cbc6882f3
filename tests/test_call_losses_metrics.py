"""add_loss from a subclassed Model's call() and metrics updated in call() (Keras 3: a
nerve.metrics.Mean tracked as an attribute, update_state in call()), checked against float64
numpy references of the same steps."""

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve import ops

RATE = 0.05


def _data(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)).astype(np.float32), rng.normal(size=(n, 2)).astype(np.float32)


class PenalisedModel(nerve.Model):
    """Dense(2) whose call adds RATE * mean(pred**2) over the whole batch (a KL-like term that
    reduces over the batch) and tracks the mean prediction."""

    def __init__(self, per_sample=False, **kwargs):
        super().__init__(**kwargs)
        self.per_sample = per_sample
        self.dense = L.Dense(2, kernel_initializer="glorot_uniform")
        self.pred_mean = nerve.metrics.Mean(name="pred_mean")

    def call(self, x):
        y = self.dense(x)
        if self.per_sample:  # a per-sample tensor: Keras sums it
            self.add_loss(RATE * ops.square(y))
            self.pred_mean.update_state(y)
        else:
            self.add_loss(RATE * ops.mean(ops.square(y)))
            self.pred_mean.update_state(ops.mean(y))
        return y


def _reference_sgd(x, t, w, b, lr, epochs, batch, per_sample):
    """float64: per batch the loss mse + add_loss term, then one SGD step; returns the epoch
    losses (batch-size weighted means), the epoch metric values and the weights."""
    w, b = w.astype(np.float64), b.astype(np.float64)
    x, t = x.astype(np.float64), t.astype(np.float64)
    losses, metric_values = [], []
    for _ in range(epochs):
        total, count, m_total, m_count = 0.0, 0, 0.0, 0.0
        for s in range(0, len(x), batch):
            xb, tb = x[s : s + batch], t[s : s + batch]
            p = xb @ w + b
            if per_sample:
                extra, d_extra = RATE * np.sum(p**2), 2 * RATE * p
                m_total += np.sum(np.mean(p, axis=1))
                m_count += len(p)
            else:
                extra, d_extra = RATE * np.mean(p**2), 2 * RATE * p / p.size
                m_total += np.mean(p)
                m_count += 1
            loss = np.mean((p - tb) ** 2) + extra
            total += loss * len(xb)
            count += len(xb)
            dp = 2 * (p - tb) / p.size + d_extra
            w -= lr * xb.T @ dp
            b -= lr * dp.sum(axis=0)
        losses.append(total / count)
        metric_values.append(m_total / m_count)
    return losses, metric_values, w, b


@pytest.mark.parametrize("per_sample", [False, True])
def test_model_add_loss_and_call_metric_match_numpy_over_steps(per_sample):
    x, t = _data()
    model = PenalisedModel(per_sample=per_sample)
    model.build((None, 3))
    w0, b0 = (np.array(a) for a in model.dense.get_weights())
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(x, t, epochs=3, batch_size=4, shuffle=False, verbose=0)
    losses, metric_values, w, b = _reference_sgd(x, t, w0, b0, 0.1, 3, 4, per_sample)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(history.history["pred_mean"], metric_values, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.dense.get_weights()[0], w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.dense.get_weights()[1], b, rtol=1e-4, atol=1e-6)


def test_evaluate_includes_the_model_add_loss_and_resets_the_call_metric():
    x, t = _data(seed=1)
    model = PenalisedModel()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, t, epochs=1, batch_size=4, verbose=0)
    logs = model.evaluate(x, t, batch_size=8, return_dict=True, verbose=0)
    w, b = (a.astype(np.float64) for a in model.dense.get_weights())
    p = x @ w + b
    assert logs["loss"] == pytest.approx(np.mean((p - t) ** 2) + RATE * np.mean(p**2), rel=1e-4)
    assert logs["pred_mean"] == pytest.approx(np.mean(p), rel=1e-4, abs=1e-6)  # reset first
    assert [m.name for m in model.metrics] == ["loss", "pred_mean"]
    assert model.metrics_names == ["loss", "pred_mean"]


def test_call_metric_shows_in_the_progress_bar(capsys):
    x, t = _data()
    model = PenalisedModel()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, t, epochs=1, batch_size=4, verbose=1)
    assert "pred_mean:" in capsys.readouterr().out


def test_call_effects_layer_is_hidden_and_output_names_kept():
    model = PenalisedModel()
    model.build((None, 3))
    # ops.square(y) keeps the batch axis, so it is an op node of the graph (as any op in call)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "OpLayer"]
    assert model.output_names == [model.dense.name]


class ActivityMean(L.Layer):
    """A custom layer tracking the mean activation of its input (Keras 3's replacement for
    add_metric: a metric attribute updated in call())."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.activation_mean = nerve.metrics.Mean(name="activation_mean")

    def call(self, inputs):
        self.activation_mean.update_state(inputs)
        return inputs * 1.0


def test_metric_updated_in_a_custom_layer_call_reaches_history():
    x, t = _data(seed=2)
    dense = L.Dense(2)
    model = nerve.Sequential([nerve.Input((3,)), dense, ActivityMean()])
    model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, t, epochs=2, batch_size=4, shuffle=False, verbose=0)
    w, b = (a.astype(np.float64) for a in dense.get_weights())
    expected = np.mean(np.mean(x @ w + b, axis=1))  # per-sample means, then their mean
    np.testing.assert_allclose(history.history["activation_mean"], [expected] * 2, rtol=1e-4)


def test_add_metric_raises_keras_3_removal():
    class UsesAddMetric(L.Layer):
        def call(self, inputs):
            self.add_metric(ops.mean(inputs))
            return inputs

    with pytest.raises(NotImplementedError, match="Keras 3 removed add_metric"):
        UsesAddMetric()(np.ones((2, 3), np.float32))


def test_model_add_loss_outside_call_is_an_error():
    model = PenalisedModel()
    with pytest.raises(ValueError, match=r"add_loss\(\) can only be called from inside call"):
        model.add_loss(np.float32(1.0))


class WeightedTracker(nerve.Model):
    """A metric updated in call() with per-sample weights (a tensor of the call) and, in a
    layer, with a constant weight per feature."""

    def __init__(self):
        super().__init__()
        self.dense = L.Dense(3)
        self.weighted = nerve.metrics.Mean(name="weighted")
        self.per_feature = nerve.metrics.Sum(name="per_feature")

    def call(self, x):
        y = self.dense(x)
        self.weighted.update_state(y, sample_weight=ops.abs(x[:, :1]))  # (n, 3) by (n, 1)
        self.per_feature.update_state(y, sample_weight=np.array([[1.0, 0.0, 2.0]], np.float32))
        return y


def test_call_metric_with_sample_weight_matches_the_eager_metric():
    x, _ = _data(seed=3)
    model = WeightedTracker()
    model.build((None, 3))
    model.compile(optimizer="sgd", loss="mse")
    logs = model.evaluate(
        x, np.zeros((8, 3), np.float32), batch_size=4, return_dict=True, verbose=0
    )
    y = model.predict(x, verbose=0)
    weighted, per_feature = nerve.metrics.Mean(), nerve.metrics.Sum()
    for s in (0, 4):  # the same batches, eagerly (Keras's reduce_to_samplewise_values)
        weighted.update_state(y[s : s + 4], sample_weight=np.abs(x[s : s + 4, :1]))
        per_feature.update_state(y[s : s + 4], sample_weight=np.array([[1.0, 0.0, 2.0]]))
    assert logs["weighted"] == pytest.approx(weighted.result(), rel=1e-4)
    assert logs["per_feature"] == pytest.approx(per_feature.result(), rel=1e-4)


def test_call_metric_sample_weight_that_does_not_broadcast_names_the_shapes():
    class Mismatched(L.Layer):
        def __init__(self):
            super().__init__()
            self.tracker = nerve.metrics.Mean(name="tracker")

        def call(self, inputs):  # rank-1 weights are per sample: (3,) is not (batch,)
            self.tracker.update_state(inputs, sample_weight=np.ones(3, np.float32))
            return inputs * 1.0

    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) does not broadcast"):
        Mismatched()(np.ones((2, 3), np.float32))


def test_a_batch_reduction_used_as_an_output_says_how():
    class ReturnsMean(nerve.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(1)

        def call(self, x):
            y = self.dense(x)
            self.add_loss(ops.mean(y))
            return self.dense(ops.mean(y) * x)

    with pytest.raises(TypeError, match="reduces over the batch"):
        ReturnsMean().build((None, 3))


def test_compiled_metric_object_cannot_take_traced_values():
    class UsesMae(L.Layer):
        def __init__(self):
            super().__init__()
            self.mae = nerve.metrics.MeanAbsoluteError()

        def call(self, inputs):
            self.mae.update_state(inputs, inputs)
            return inputs

    with pytest.raises(TypeError, match="only nerve.metrics.Mean and Sum"):
        UsesMae()(np.ones((2, 3), np.float32))
