"""Metrics (Keras names and classes). Values are accumulated in C++ inside each training step
(nerve/metrics.h); the same code backs the standalone update_state / result API. Keras's metrics
over a loss function (Hinge, Poisson, CosineSimilarity, ...) are MeanMetricWrappers of nerve.ops
code, run in the Python step (traced into C++ by fit).

In compile(), a metric is a Keras name ("accuracy", "mae", "auc", ...) or an instance
(nerve.metrics.AUC(num_thresholds=100)). "accuracy" picks its variant from the loss, as Keras
does.
"""

from __future__ import annotations

import inspect

import numpy as np

from . import _core, metrics_confusion, metrics_iou, metrics_regression
from . import losses as losses_mod
from . import ops as _ops
from .metric_base import Metric, _symbolic
from .ops import _dispatch
from .utils.keras_args import reject_unsupported
from .utils.object_registration import function_named, get_registered_name

_K = _core.MetricKind
# How many metrics have been given traced state (updates recorded by a traced call()) in this
# process: while none has, no model's logs need to look for such metrics.
traced_states_made = 0


class BinaryAccuracy(Metric):
    kind = _K.binary_accuracy

    def __init__(self, name=None, dtype=None, threshold=0.5):
        super().__init__(name, dtype)
        self.threshold = float(threshold)

    def _spec(self, weighted=False):
        return _core.MetricSpec(self.kind, threshold=self.threshold, weighted=weighted)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(Metric):
    kind = _K.categorical_accuracy


class SparseCategoricalAccuracy(Metric):
    kind = _K.sparse_categorical_accuracy


class TopKCategoricalAccuracy(Metric):
    kind = _K.top_k_categorical_accuracy

    def __init__(self, k=5, name=None, dtype=None):
        super().__init__(name, dtype)
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"{type(self).__name__}: k must be a positive int, got {k!r}")
        self.k = k

    def _spec(self, weighted=False):
        return _core.MetricSpec(self.kind, k=self.k, weighted=weighted)

    def get_config(self):
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    kind = _K.sparse_top_k_categorical_accuracy

    def __init__(self, k=5, name=None, dtype=None, from_sorted_ids=False):
        super().__init__(k, name, dtype)
        reject_unsupported(
            f"SparseTopKCategoricalAccuracy '{self.name}'",
            SparseTopKCategoricalAccuracy.__init__,
            from_sorted_ids=from_sorted_ids,
        )


class MeanAbsoluteError(Metric):
    kind, direction = _K.mean_absolute_error, "down"


class MeanSquaredError(Metric):
    kind, direction = _K.mean_squared_error, "down"


class RootMeanSquaredError(Metric):
    """sqrt of the (sample-weighted) mean over samples of each sample's mean squared error."""

    kind, direction = _K.root_mean_squared_error, "down"


class _ConfusionMetric(Metric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name, dtype)
        owner = type(self).__name__
        # the metric counts every output element against the threshold
        reject_unsupported(
            f"{owner} '{self.name}'", _ConfusionMetric.__init__, top_k=top_k, class_id=class_id
        )
        t = 0.5 if thresholds is None else thresholds
        if isinstance(t, (list, tuple)):
            if len(t) != 1:
                raise ValueError(f"{owner}: one threshold is supported, got {t!r}")
            t = t[0]
        if not isinstance(t, (int, float)) or not 0.0 <= t <= 1.0:
            raise ValueError(f"{owner}: thresholds must be a number in [0, 1], got {thresholds!r}")
        self.thresholds = float(t)

    def _spec(self, weighted=False):
        return _core.MetricSpec(self.kind, threshold=self.thresholds, weighted=weighted)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.thresholds}


class Precision(_ConfusionMetric):
    """true positives / predicted positives, over every element (prediction > threshold)."""

    kind = _K.precision


class Recall(_ConfusionMetric):
    """true positives / actual positives, over every element (prediction > threshold)."""

    kind = _K.recall


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve, from counts at num_thresholds thresholds
    (Keras's -eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps). As in Keras, predictions are clipped into
    [0, 1] first (after a sigmoid with from_logits=True), and the areas between thresholds are
    summed per summation_method ("interpolation": trapezoids, or Davis & Goadrich's
    interpolation for PR; "minoring" / "majoring": the lower / higher of the two heights)."""

    kind = _K.auc
    _SUMMATION = {
        "interpolation": _core.AucSummation.interpolation,
        "minoring": _core.AucSummation.minoring,
        "majoring": _core.AucSummation.majoring,
    }

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name, dtype)
        reject_unsupported(
            f"AUC '{self.name}'",
            AUC.__init__,
            thresholds=thresholds,
            multi_label=multi_label,
            num_labels=num_labels,
            label_weights=label_weights,
        )
        if not isinstance(num_thresholds, int) or num_thresholds < 2:
            raise ValueError(f"AUC: num_thresholds must be an int > 1, got {num_thresholds!r}")
        if str(curve).upper() not in ("ROC", "PR"):
            raise ValueError(
                f"AUC: curve must be 'ROC' or 'PR' ('PRGAIN' is not supported), got {curve!r}"
            )
        if str(summation_method).lower() not in self._SUMMATION:
            raise ValueError(
                f"AUC: summation_method must be one of "
                f"{', '.join(self._SUMMATION)}, got {summation_method!r}"
            )
        self.num_thresholds = num_thresholds
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        self.from_logits = bool(from_logits)

    def _spec(self, weighted=False):
        return _core.MetricSpec(
            self.kind,
            num_thresholds=self.num_thresholds,
            pr_curve=self.curve == "PR",
            weighted=weighted,
            summation=self._SUMMATION[self.summation_method],
            from_logits=self.from_logits,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "from_logits": self.from_logits,
        }


def _same_rank(x1, x2):
    """Keras's squeeze_or_expand_to_same_rank: ranks one apart are aligned through a trailing
    axis of size 1 (squeezed, or added to a rank-1 partner)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1:] == (1,):
        return (x1, x2[..., None]) if x2.ndim == 1 else (x1[..., 0], x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1:] == (1,):
        return (x1[..., None], x2) if x1.ndim == 1 else (x1, x2[..., 0])
    return x1, x2


class _Reduce(Metric):
    """Keras's Reduce metrics (Mean, Sum): a running reduction of the values given to
    update_state (numpy, lists or nerve.Tensor, e.g. a batch's loss). Standalone only: they read
    values, not (y_true, y_pred), so compile(metrics=...) refuses them."""

    direction = "down"
    _within_sample = staticmethod(np.mean)  # how per-sample weights fold a sample's values
    _within_sample_op = "mean"  # the same fold as a nerve.ops function, for traced updates

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self._traced_state = None
        self._total, self._count = 0.0, 0.0  # (not reset_state: a traced step may make one)

    def update_state(self, values, sample_weight=None) -> None:
        """Keras's reduction to one value per sample: a sample's values are folded (mean for
        Mean, sum for Sum), then weighted by its sample_weight; the count grows by the number
        of samples, or by the sum of the weights.

        Inside an overridden train_step/test_step being traced, the update is recorded as
        assignments to the running totals' tensors. Inside a layer's or a model's call() (values
        are traced tensors), it is recorded and runs in C++ on every step, adding to the metric's
        running totals (Keras 3: a metric tracked as an attribute, updated in call(), is reported
        by fit and evaluate)."""
        tracer = _dispatch.active_step_tracer()
        if tracer is not None:
            tracer.reduce_metric_update(self, values, sample_weight, self._within_sample_op)
            return
        record = getattr(type(values), "_nerve_record_metric", None)
        if record is None and sample_weight is not None:
            record = getattr(type(sample_weight), "_nerve_record_metric", None)
        if record is not None:
            record(self, values, sample_weight)
            return
        v = np.asarray(values, dtype=np.float64)
        fold = self._within_sample
        if sample_weight is None:
            if v.ndim > 1:
                v = fold(v, axis=tuple(range(1, v.ndim)))
            self._total += float(np.sum(v))
            self._count += float(v.shape[0] if v.ndim else 1)
            return
        w = np.asarray(sample_weight, dtype=np.float64)
        v, w = _same_rank(v, w)
        if v.ndim > w.ndim:
            v = fold(v, axis=tuple(range(w.ndim, v.ndim)))
        try:
            w = np.broadcast_to(w, v.shape)
        except ValueError:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': sample_weight of shape {w.shape} "
                f"does not broadcast to the values' shape {v.shape}"
            ) from None
        v = v * w
        if w.ndim > 1:
            w = fold(w, axis=tuple(range(1, w.ndim)))
        if v.ndim > 1:
            v = fold(v, axis=tuple(range(1, v.ndim)))
        self._total += float(np.sum(v))
        self._count += float(np.sum(w))

    def reset_state(self) -> None:
        self._refuse_in_traced_step("reset_state")
        self._total, self._count = 0.0, 0.0
        if self._traced_state is not None:  # zeroed in place: traced programs hold them
            for t in self._traced_state:
                np.asarray(t)[...] = 0.0

    def traced_state(self) -> tuple:
        """(total, count): 0-d tensors that updates recorded in traced call()s add to."""
        global traced_states_made
        if self._traced_state is None:
            self._traced_state = tuple(_core.Tensor(np.zeros((), np.float32)) for _ in range(2))
            traced_states_made += 1
        return self._traced_state

    def _totals(self) -> tuple[float, float]:
        if self._traced_state is None:
            return self._total, self._count
        total, count = (float(np.asarray(t)) for t in self._traced_state)
        return self._total + total, self._count + count

    # A traced step (nerve.models.step_tracing) updates the totals in these tensors; fit copies
    # them from and back to the Python floats around each chunk of steps.
    def _state_tensors(self) -> tuple:
        tensors = self.__dict__.get("_tensors")
        if tensors is None:
            tensors = self._tensors = tuple(_core.Tensor(np.zeros((), np.float32)) for _ in "tc")
        return tensors

    def _push_state(self) -> None:
        total, count = self._state_tensors()
        np.asarray(total)[...] = self._total
        np.asarray(count)[...] = self._count

    def _pull_state(self) -> None:
        total, count = self._state_tensors()
        self._total, self._count = float(np.asarray(total)), float(np.asarray(count))

    def _traced_totals(self):
        tracer = _dispatch.active_step_tracer()
        return None if tracer is None else tracer.metric_totals(self)

    def __call__(self, values, sample_weight=None) -> float:
        """As Keras 3: update_state with these values, then the running result."""
        self.update_state(values, sample_weight)
        return self.result()

    def _spec(self, weighted=False):
        raise ValueError(
            f"{type(self).__name__} '{self.name}' reduces values given to update_state; it "
            f"cannot be a compile() metric (use e.g. 'mae' or 'mse')"
        )


class Mean(_Reduce):
    """The running (weighted) mean of the values given to update_state, e.g. a loss tracker in
    a custom train_step: sum(values * sample_weight) / sum(sample_weight)."""

    _default_name = "mean"

    def result(self) -> float:
        traced = self._traced_totals()
        if traced is not None:  # 0 while the count is 0 (total is 0 then too)
            total, count = traced
            return _dispatch.active_step_tracer().result_of(
                self, total / _dispatch.apply("maximum", [count, 1e-30])
            )
        total, count = self._totals()
        return total / count if count else 0.0


class Sum(_Reduce):
    """The running (weighted) sum of the values given to update_state."""

    _default_name = "sum"
    _within_sample = staticmethod(np.sum)
    _within_sample_op = "sum"

    def result(self) -> float:
        traced = self._traced_totals()
        if traced is None:
            return self._totals()[0]
        return _dispatch.active_step_tracer().result_of(self, traced[0] + 0.0)


class Accuracy(Mean):
    """How often y_pred equals y_true, element by element (Keras's Accuracy: a running mean
    of the matches; per-sample weights weigh each sample's mean match)."""

    _default_name = "accuracy"
    direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        pred = np.asarray(y_pred, dtype=np.float32)
        true = np.asarray(y_true, dtype=np.float32)
        true, pred = _same_rank(true, pred)
        if true.shape != pred.shape:
            raise ValueError(
                f"Accuracy '{self.name}': y_true of shape {true.shape} and y_pred of shape "
                f"{pred.shape} do not match"
            )
        super().update_state((true == pred).astype(np.float64), sample_weight)

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def _spec(self, weighted=False):
        raise ValueError(
            f"{type(self).__name__} '{self.name}' is a standalone metric (update_state / result, "
            f"e.g. in a train_step); the C++ training step does not compute it, so it cannot be a "
            f"compile() metric yet"
        )


class MeanMetricWrapper(Mean):
    """Keras's MeanMetricWrapper: the running mean over samples of fn(y_true, y_pred) (a metric
    function: one value per sample), weighted by sample_weight. fn is Python code on nerve.ops,
    so a model compiled with it trains through its Python step (traced into C++ where it can)."""

    direction = "up"

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        try:  # Keras hands the extra keywords to fn; one fn does not take fails here, not later
            inspect.signature(fn).bind(None, None, **kwargs)
        except TypeError as e:
            raise ValueError(
                f"MeanMetricWrapper '{self.name}': arguments not recognized by "
                f"{getattr(fn, '__name__', fn)}: {kwargs} ({e})"
            ) from None
        except ValueError:  # no signature to read (a builtin): Keras's behaviour, call time
            pass
        self._fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not (_is_tensor(y_pred) or _is_tensor(y_true)):
            y_pred = _core.Tensor(np.ascontiguousarray(y_pred, dtype=np.float32))
            y_true = _core.Tensor(np.ascontiguousarray(y_true, dtype=np.float32))
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sample_weight = losses_mod.padding_mask_weights(
            values, y_pred, sample_weight, "sum", f"metric '{self.name}'"
        )
        super().update_state(values, sample_weight)

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def _spec(self, weighted=False):
        raise TypeError(f"metric {self.name!r} is Python code; it has no C++ form")

    def get_config(self) -> dict:
        return {"name": self.name, "fn": get_registered_name(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        fn = function_named(config.pop("fn"), custom_objects, globals(), "metric")
        return cls(fn, **config)


def _is_tensor(x) -> bool:
    return isinstance(x, _core.Tensor) or _symbolic(x)


class _LossMean(Mean):
    """A loss as a metric (Keras's MeanMetricWrapper over a loss function): the running mean over
    samples of each sample's loss, per-sample weights weighing them. On numpy data the loss is
    the C++ one (nerve.losses), computed over the batch at once; on tensors (a compile() metric,
    run in the Python step that fit traces into C++), the loss function's nerve.ops formula."""

    direction = "down"

    def _make_loss(self):  # each subclass: its nerve.losses object
        raise NotImplementedError(f"{type(self).__name__} names no loss")

    _loss = None  # made on first use from the subclass's settings
    _function = None  # each subclass: its nerve.losses function (Keras's MeanMetricWrapper fn)

    def _function_kwargs(self) -> dict:
        return {}

    def _by_function(self) -> bool:
        """Whether update_state computes the values with the loss function (not the C++ loss)."""
        return False

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if losses_mod._is_tensor(y_pred) or losses_mod._is_tensor(y_true) or self._by_function():
            values = self._function(y_true, y_pred, **self._function_kwargs())
            sample_weight = losses_mod.padding_mask_weights(
                values, y_pred, sample_weight, "sum", f"metric '{self.name}'"
            )
            super().update_state(values, sample_weight)
            return
        if self._loss is None:
            self._loss = self._make_loss()
        loss = self._loss
        pred = np.ascontiguousarray(y_pred, dtype=np.float32)
        true = np.ascontiguousarray(y_true, dtype=np.float32)
        if pred.ndim < 2:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': y_pred must have a batch axis and a "
                f"class axis, got shape {pred.shape}"
            )
        n, rows_per_sample = pred.shape[0], int(np.prod(pred.shape[1:-1], dtype=np.int64))
        # Rows over the last axis, each weighing its sample's weight / its number of rows, so
        # the C++ reduction sum(w * row_loss) / rows times rows is sum_i w_i * mean loss_i.
        if sample_weight is None:
            w = np.ones(n, np.float32)
        else:
            w = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
            if w.shape != (n,):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': sample_weight must hold one weight "
                    f"per sample, shape ({n},), got shape {np.shape(sample_weight)}"
                )
        rows = n * rows_per_sample
        row_weights = np.repeat(w / rows_per_sample, rows_per_sample)
        pred_rows = pred.reshape(rows, pred.shape[-1])
        if loss.sparse_labels:
            true_rows = true.reshape(rows, 1)
        else:
            if true.size != pred.size:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': y_true of shape {true.shape} does "
                    f"not match y_pred of shape {pred.shape}"
                )
            true_rows = true.reshape(pred_rows.shape)
        value = loss(true_rows, pred_rows, row_weights)
        self._total += float(value) * rows
        self._count += float(w.sum())

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    _spec = Accuracy._spec


class BinaryCrossentropy(_LossMean):
    """The running mean of the binary cross-entropy (nerve.losses.BinaryCrossentropy)."""

    _default_name = "binary_crossentropy"
    _function = staticmethod(losses_mod.binary_crossentropy)

    def _function_kwargs(self) -> dict:
        return {"from_logits": self.from_logits, "label_smoothing": self.label_smoothing}

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(name, dtype)
        self.from_logits, self.label_smoothing = bool(from_logits), float(label_smoothing)
        self._loss = self._make_loss()  # checks the settings now

    def _make_loss(self):
        return losses_mod.BinaryCrossentropy(self.from_logits, self.label_smoothing)

    def get_config(self):
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
        }


class CategoricalCrossentropy(BinaryCrossentropy):
    """The running mean of the categorical cross-entropy (one-hot targets)."""

    _default_name = "categorical_crossentropy"
    _function = staticmethod(losses_mod.categorical_crossentropy)

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"CategoricalCrossentropy: axis must be an int, got {axis!r}")
        self.axis = int(axis)
        super().__init__(name, dtype, from_logits, label_smoothing)

    def _make_loss(self):
        return losses_mod.CategoricalCrossentropy(self.from_logits, self.label_smoothing)

    def _function_kwargs(self) -> dict:
        return {**super()._function_kwargs(), "axis": self.axis}

    def _by_function(self) -> bool:  # the C++ loss reads rows over the last axis
        return self.axis != -1

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class SparseCategoricalCrossentropy(_LossMean):
    """The running mean of the sparse categorical cross-entropy (class-id targets)."""

    _default_name = "sparse_categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, ignore_class=None, axis=-1):
        super().__init__(name, dtype)
        reject_unsupported(
            f"SparseCategoricalCrossentropy '{self.name}'",
            SparseCategoricalCrossentropy.__init__,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = bool(from_logits)
        self._loss = self._make_loss()

    _function = staticmethod(losses_mod.sparse_categorical_crossentropy)

    def _make_loss(self):
        return losses_mod.SparseCategoricalCrossentropy(self.from_logits)

    def _function_kwargs(self) -> dict:
        return {"from_logits": self.from_logits}

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


class KLDivergence(_LossMean):
    """The running mean of the Kullback-Leibler divergence (nerve.losses.KLDivergence)."""

    _default_name = "kl_divergence"
    _function = staticmethod(losses_mod.kl_divergence)

    def _make_loss(self):
        return losses_mod.KLDivergence()


class _LossFunctionMean(MeanMetricWrapper):
    """Keras's metric classes over a loss function (Hinge, Poisson, ...): the running mean over
    samples of the function's per-sample values, computed by nerve.ops in the Python step."""

    direction = "down"

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(self._function, name=name or self._default_name, dtype=dtype, **kwargs)

    def get_config(self) -> dict:
        return {"name": self.name, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class Hinge(_LossFunctionMean):
    _default_name = "hinge"
    _function = staticmethod(losses_mod.hinge)


class SquaredHinge(_LossFunctionMean):
    _default_name = "squared_hinge"
    _function = staticmethod(losses_mod.squared_hinge)


class CategoricalHinge(_LossFunctionMean):
    _default_name = "categorical_hinge"
    _function = staticmethod(losses_mod.categorical_hinge)


class LogCoshError(_LossFunctionMean):
    _default_name = "logcosh"  # Keras's default name
    _function = staticmethod(losses_mod.log_cosh)


class MeanAbsolutePercentageError(_LossFunctionMean):
    _default_name = "mean_absolute_percentage_error"
    _function = staticmethod(losses_mod.mean_absolute_percentage_error)


class MeanSquaredLogarithmicError(_LossFunctionMean):
    _default_name = "mean_squared_logarithmic_error"
    _function = staticmethod(losses_mod.mean_squared_logarithmic_error)


class Poisson(_LossFunctionMean):
    _default_name = "poisson"
    _function = staticmethod(losses_mod.poisson)


def _cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis` (Keras's metric: the loss's
    value with the opposite sign; Keras does not export this function)."""
    values = losses_mod.cosine_similarity(y_true, y_pred, axis=axis)
    return -values if isinstance(values, np.ndarray) else _ops.negative(values)


class CosineSimilarity(_LossFunctionMean):
    """The running mean of the cosine similarity (positive: 1 for the same direction)."""

    _default_name = "cosine_similarity"
    _function = staticmethod(_cosine_similarity)
    direction = "up"

    def __init__(self, name=None, dtype=None, axis=-1):
        super().__init__(name, dtype, axis=axis)


# Keras metrics defined beside this module (one concept per file), exported here as Keras does.
TruePositives = metrics_confusion.TruePositives
FalsePositives = metrics_confusion.FalsePositives
TrueNegatives = metrics_confusion.TrueNegatives
FalseNegatives = metrics_confusion.FalseNegatives
FBetaScore = metrics_confusion.FBetaScore
F1Score = metrics_confusion.F1Score
PrecisionAtRecall = metrics_confusion.PrecisionAtRecall
RecallAtPrecision = metrics_confusion.RecallAtPrecision
SensitivityAtSpecificity = metrics_confusion.SensitivityAtSpecificity
SpecificityAtSensitivity = metrics_confusion.SpecificityAtSensitivity
IoU = metrics_iou.IoU
MeanIoU = metrics_iou.MeanIoU
BinaryIoU = metrics_iou.BinaryIoU
OneHotIoU = metrics_iou.OneHotIoU
OneHotMeanIoU = metrics_iou.OneHotMeanIoU
R2Score = metrics_regression.R2Score
PearsonCorrelation = metrics_regression.PearsonCorrelation
ConcordanceCorrelation = metrics_regression.ConcordanceCorrelation

# Keras 3's names for them: the class names, their snake_case, and mape / msle.
_PYTHON_CLASSES = (
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    LogCoshError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    Poisson,
    CosineSimilarity,
)
PYTHON_NAMES = {cls.__name__: cls for cls in _PYTHON_CLASSES}
PYTHON_NAMES.update({losses_mod._snake_case(cls.__name__): cls for cls in _PYTHON_CLASSES})
# Keras's metrics over the C++ losses: in compile() they run in the Python step too.
_LOSS_CLASSES = (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    KLDivergence,
)
PYTHON_NAMES.update({cls.__name__: cls for cls in _LOSS_CLASSES})
PYTHON_NAMES.update({cls._default_name: cls for cls in _LOSS_CLASSES})
PYTHON_NAMES.update(
    {
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)

_CLASSES = (
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    MeanAbsoluteError,
    MeanSquaredError,
    RootMeanSquaredError,
    Precision,
    Recall,
    AUC,
    *metrics_confusion.CLASSES,
    *metrics_iou.CLASSES,
    *metrics_regression.CLASSES,
)
# The names are the C++ metric kinds' (each class's kind), with Keras's two aliases.
_BY_NAME = {cls.kind.name: cls for cls in _CLASSES}
_BY_NAME.update({"mae": MeanAbsoluteError, "mse": MeanSquaredError})
# Keras also takes a class name ("AUC", "RootMeanSquaredError"), giving the class's default name.
_BY_CLASS_NAME = {cls.__name__: cls for cls in _CLASSES}
NAMES = ("accuracy", "acc", *_BY_NAME, *sorted(_BY_CLASS_NAME), *PYTHON_NAMES)


def _accuracy_for(loss_name: str, output_shape) -> type:
    """Keras 3's choice of accuracy, which looks at shapes, not at the loss: class-label targets
    (here: those of the sparse loss) give the sparse variant, one output unit the binary one,
    anything else the categorical one (binary_crossentropy on 3 units included)."""
    if loss_name == "sparse_categorical_crossentropy":
        return SparseCategoricalAccuracy
    units = output_shape[-1] if output_shape else 1
    return BinaryAccuracy if units == 1 else CategoricalAccuracy


def get(identifier, loss_name: str = "", output_shape=(1,)) -> Metric:
    """A Metric from a Keras name, class, instance or function: nerve's metric functions
    (nerve.metrics.binary_accuracy, ...) give their built-in metric, any other function a
    MeanMetricWrapper (as Keras wraps it)."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            return _accuracy_for(loss_name, output_shape)(name=identifier)
        if identifier in _BY_NAME:
            return _BY_NAME[identifier](name=identifier)
        if identifier in PYTHON_NAMES:  # Keras's compile() names it by the string given
            return PYTHON_NAMES[identifier](name=identifier)
        if identifier in _BY_CLASS_NAME:
            return _BY_CLASS_NAME[identifier]()
    if callable(identifier) and not isinstance(identifier, type):
        name = getattr(identifier, "__name__", None)
        if name in _BY_NAME and globals().get(name) is identifier:
            return _BY_NAME[name](name=name)  # nerve.metrics.binary_accuracy and the like
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Unknown metric {identifier!r}. Valid names: {', '.join(NAMES)}")


def is_python_metric(metric) -> bool:
    """True for a metric computed by Python code (a function wrapped in MeanMetricWrapper, a
    Metric subclass with its own update_state), which the C++ trainer cannot run."""
    if isinstance(metric, (MeanMetricWrapper, _LossMean)):
        return True
    cls = type(metric)
    return isinstance(metric, Metric) and cls not in _CLASSES and cls.__module__ != __name__


def resolve(identifier, loss, output_shape, weighted: bool = False) -> tuple[str, object, Metric]:
    """(display name, C++ MetricSpec, metric object) for compile(); checks that the metric reads
    the targets the loss is given (class labels for the sparse loss, otherwise arrays shaped like
    the output)."""
    metric = get(identifier, loss.name, output_shape)
    spec = metric._spec(weighted=weighted)
    if spec.sparse_targets != loss.sparse_labels:
        want = "integer class labels" if spec.sparse_targets else "targets shaped like the output"
        have = "integer class labels" if loss.sparse_labels else "targets shaped like the output"
        raise ValueError(
            f"metric {metric.name!r} needs {want}, but loss {loss.name!r} is given "
            f"{have}; choose a matching metric (e.g. 'accuracy')"
        )
    return metric.name, spec, metric


def direction(name: str, model=None) -> str | None:
    """'up' or 'down' for a logged metric name (val_ prefix ignored), None when unknown."""
    base = name[4:] if name.startswith("val_") else name
    if base == "loss" or base.endswith("_loss"):
        return "down"
    for m in getattr(model, "_metric_objects", []) or []:
        if m.name == base:
            return m.direction
    cls = _BY_NAME.get(base) or PYTHON_NAMES.get(base)
    if cls is not None:
        return cls.direction
    if base in ("accuracy", "acc"):
        return "up"
    return None


# The metric functions, as Keras 3's: values per sample (per element for binary_accuracy), in
# numpy; the metric classes above are the running means over batches.
def _pair(y_true, y_pred):
    return (np.asarray(y_true, dtype=np.float32), np.asarray(y_pred, dtype=np.float32))


def _sparse_labels(y_true, y_pred):
    """Class ids as ints, and the labels' shape when a trailing 1 (labels shaped like the
    predictions) was squeezed for the comparison (Keras's top-k keeps it in the result)."""
    out_shape = None
    if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
        out_shape = y_true.shape
        y_true = y_true[..., 0]
    return y_true.astype(np.int64), out_shape


def _in_top_k(ids, y_pred, k):
    at_label = np.take_along_axis(y_pred, ids[..., None], axis=-1)
    at_label = np.where(np.isnan(at_label), -np.inf, at_label)  # NaN is no high score
    return 1 + np.sum(y_pred > at_label, axis=-1) <= k


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Element-wise, as Keras 3's (no mean over the last axis)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == (y_pred > threshold).astype(np.float32)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return (np.argmax(y_true, -1) == np.argmax(y_pred, -1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    ids, _ = _sparse_labels(y_true, y_pred)  # Keras 3 gives (N,) for (N, 1) labels here
    return (ids == np.argmax(y_pred, -1)).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _pair(y_true, y_pred)
    return _in_top_k(np.argmax(y_true, -1), y_pred, k).astype(np.float32)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    y_true, y_pred = _pair(y_true, y_pred)
    ids, out_shape = _sparse_labels(y_true, y_pred)
    if from_sorted_ids:  # y_pred holds the top class ids, best first
        matches = np.any(y_pred[..., :k].astype(np.int64) == ids[..., None], axis=-1)
    else:
        matches = _in_top_k(ids, y_pred, k)
    matches = matches.astype(np.float32)
    return matches.reshape(out_shape) if out_shape is not None else matches


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.square(y_pred - y_true), axis=-1)


def _same_rank_pair(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return _same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation along `axis` (Keras's: population standard deviations)."""
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    t = y_true - np.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - np.mean(y_pred, axis=axis, keepdims=True)
    t = t / np.std(t, axis=axis, keepdims=True)
    p = p / np.std(p, axis=axis, keepdims=True)
    return np.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis`, as Keras 3.15 writes it (the covariance
    term centres y_true on the mean of y_pred)."""
    y_true, y_pred = _same_rank_pair(y_true, y_pred)
    t_mean = np.mean(y_true, axis=axis, keepdims=True)
    p_mean = np.mean(y_pred, axis=axis, keepdims=True)
    t_var = np.var(y_true - t_mean, axis=axis, keepdims=True)
    p_var = np.var(y_pred - p_mean, axis=axis, keepdims=True)
    covar = (y_true - p_mean) * (y_pred - p_mean)
    norm = t_var + p_var + np.square(t_mean - p_mean)
    return np.mean(2 * covar / (norm + np.float32(1e-7)), axis=axis)


mae = mean_absolute_error
mse = mean_squared_error
# The loss functions Keras also exports as metric functions
hinge = losses_mod.hinge
squared_hinge = losses_mod.squared_hinge
categorical_hinge = losses_mod.categorical_hinge
log_cosh = losses_mod.log_cosh
poisson = losses_mod.poisson
mean_absolute_percentage_error = losses_mod.mean_absolute_percentage_error
mean_squared_logarithmic_error = losses_mod.mean_squared_logarithmic_error
binary_focal_crossentropy = losses_mod.binary_focal_crossentropy
categorical_focal_crossentropy = losses_mod.categorical_focal_crossentropy
binary_crossentropy = losses_mod.binary_crossentropy
categorical_crossentropy = losses_mod.categorical_crossentropy
sparse_categorical_crossentropy = losses_mod.sparse_categorical_crossentropy
kl_divergence = losses_mod.kl_divergence
huber = losses_mod.huber
