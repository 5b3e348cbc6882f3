"""Keras's R2Score, PearsonCorrelation and ConcordanceCorrelation, accumulated in C++
(nerve/metrics.h) with Keras's formulas. Exported by nerve.metrics."""

from __future__ import annotations

import warnings

from . import _core
from .metric_base import FromConfig, Metric
from .utils.keras_args import UnsupportedArgumentError

_K = _core.MetricKind


class R2Score(FromConfig, Metric):
    """The coefficient of determination of 2D (batch, outputs) inputs, per output, folded by
    class_aggregation ("uniform_average", "variance_weighted_average", or None: a vector);
    num_regressors > 0 gives the adjusted score (n = the number of target elements seen, as in
    Keras)."""

    kind = _K.r2_score
    _AGGREGATIONS = {
        None: _core.ClassAggregation.none,
        "uniform_average": _core.ClassAggregation.uniform_average,
        "variance_weighted_average": _core.ClassAggregation.variance_weighted_average,
    }

    def __init__(
        self, class_aggregation="uniform_average", num_regressors=0, name=None, dtype=None
    ):
        super().__init__(name, dtype)
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(
                f"R2Score '{self.name}': class_aggregation must be one of "
                f"{tuple(self._AGGREGATIONS)}, got {class_aggregation!r}"
            )
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, int):
            raise ValueError(
                f"R2Score '{self.name}': num_regressors must be an int, got {num_regressors!r}"
            )
        if num_regressors < 0:
            raise ValueError(
                f"R2Score '{self.name}': num_regressors must be >= 0, got {num_regressors}"
            )
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors

    def _spec(self, weighted=False):
        return _core.MetricSpec(
            self.kind,
            aggregation=self._AGGREGATIONS[self.class_aggregation],
            num_regressors=self.num_regressors,
            weighted=weighted,
        )

    def result(self):
        value = super().result()
        n, p = self._state.count, self.num_regressors
        if p and n and p > n - 1:  # Keras's warnings (the plain score is reported)
            warnings.warn(
                "More independent predictors than datapoints in adjusted R2 score. Falling "
                "back to standard R2 score.",
                stacklevel=2,
            )
        elif p and n and p == n - 1:
            warnings.warn(
                "Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                stacklevel=2,
            )
        return value

    def get_config(self):
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }


class _Correlation(FromConfig, Metric):
    """The (weighted) mean over samples of a per-row correlation over the last axis."""

    def __init__(self, name=None, dtype=None, axis=-1):
        super().__init__(name, dtype)
        if axis != -1:
            raise UnsupportedArgumentError(
                f"{type(self).__name__} '{self.name}': axis={axis!r} is not supported yet; nerve "
                f"implements only Keras's default axis=-1 (leave the argument out)"
            )
        self.axis = axis

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PearsonCorrelation(_Correlation):
    """Pearson's correlation of y_true and y_pred over the last axis, averaged over samples."""

    kind = _K.pearson_correlation


class ConcordanceCorrelation(_Correlation):
    """Lin's concordance correlation over the last axis, averaged over samples, as Keras 3.15
    computes it."""

    kind = _K.concordance_correlation


CLASSES = (R2Score, PearsonCorrelation, ConcordanceCorrelation)
