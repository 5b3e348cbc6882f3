"""Keras's metrics over counts of predictions above thresholds: TruePositives, FalsePositives,
TrueNegatives, FalseNegatives; FBetaScore and F1Score (per-class counts); PrecisionAtRecall,
RecallAtPrecision, SensitivityAtSpecificity and SpecificityAtSensitivity (counts at
num_thresholds evenly spaced thresholds). Counted in C++ (nerve/metrics.h) inside fit's step, with
Keras's formulas; exported by nerve.metrics."""

from __future__ import annotations

from . import _core
from .metric_base import FromConfig, Metric

_K = _core.MetricKind


def _threshold_list(owner: str, thresholds) -> list:
    """Keras's parse_init_thresholds: None is 0.5; a number or a list of numbers in [0, 1]."""
    values = [0.5] if thresholds is None else thresholds
    if not isinstance(values, (list, tuple)):
        values = [values]
    for t in values:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0.0 <= t <= 1.0:
            raise ValueError(f"{owner}: threshold values must be in [0, 1], got {thresholds!r}")
    return [float(t) for t in values]


class _ConditionCount(FromConfig, Metric):
    """The (weighted) number of elements in one cell of the confusion matrix at each threshold
    (prediction > threshold is positive; a non-zero target is positive). One threshold gives a
    float, several a vector in their order."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name, dtype)
        self.init_thresholds = thresholds
        self.thresholds = _threshold_list(f"{type(self).__name__} '{self.name}'", thresholds)

    def _spec(self, weighted=False):
        return _core.MetricSpec(
            self.kind,
            threshold_list=self.thresholds if len(self.thresholds) > 1 else [],
            threshold=self.thresholds[0],
            weighted=weighted,
        )

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    kind = _K.true_positives


class FalsePositives(_ConditionCount):
    kind, direction = _K.false_positives, "down"


class TrueNegatives(_ConditionCount):
    kind = _K.true_negatives


class FalseNegatives(_ConditionCount):
    kind, direction = _K.false_negatives, "down"


class FBetaScore(FromConfig, Metric):
    """(1 + beta^2) * precision * recall / (beta^2 * precision + recall), per class of 2D
    (batch, classes) inputs. A score above `threshold` is a positive prediction; threshold=None
    takes the row's largest score. average: None (one score per class, a vector), "micro"
    (from the counts over all classes), "macro" (mean of the class scores) or "weighted" (by
    each class's number of true labels)."""

    kind = _K.fbeta_score
    _AVERAGES = {
        None: _core.ScoreAverage.none,
        "micro": _core.ScoreAverage.micro,
        "macro": _core.ScoreAverage.macro,
        "weighted": _core.ScoreAverage.weighted,
    }

    def __init__(self, average=None, beta=1.0, threshold=None, name=None, dtype=None):
        super().__init__(name, dtype)
        owner = f"{type(self).__name__} '{self.name}'"
        if average not in self._AVERAGES:
            raise ValueError(
                f"{owner}: average must be one of None, 'micro', 'macro', 'weighted', "
                f"got {average!r}"
            )
        # Keras requires Python floats here (beta=2 is an error there too)
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"{owner}: beta must be a Python float > 0, got {beta!r}")
        if threshold is not None and (
            not isinstance(threshold, float) or not 0.0 < threshold <= 1.0
        ):
            raise ValueError(
                f"{owner}: threshold must be None or a Python float with 0 < threshold <= 1, "
                f"got {threshold!r}"
            )
        self.average, self.beta, self.threshold = average, beta, threshold

    def _spec(self, weighted=False):
        return _core.MetricSpec(
            self.kind,
            beta=self.beta,
            threshold=0.0 if self.threshold is None else self.threshold,  # 0: the row's maximum
            average=self._AVERAGES[self.average],
            weighted=weighted,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "average": self.average,
            "beta": self.beta,
            "threshold": self.threshold,
        }


class F1Score(FBetaScore):
    """FBetaScore with beta=1: 2 * precision * recall / (precision + recall)."""

    kind = _K.f1_score

    def __init__(self, average=None, threshold=None, name=None, dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class _AtConstraint(FromConfig, Metric):
    """The best value of one rate over num_thresholds thresholds (0, 1/(n-1), ..., 1; one
    threshold: 0.5) among those where another rate reaches `value`. class_id counts only that
    class's column of (batch, classes) predictions."""

    _constraint = ""  # the constructor argument holding the value

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name, dtype)
        owner = f"{type(self).__name__} '{self.name}'"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{owner}: {self._constraint} must be in [0, 1], got {value!r}")
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(f"{owner}: num_thresholds must be an int > 0, got {num_thresholds!r}")
        if class_id is not None and (not isinstance(class_id, int) or class_id < 0):
            raise ValueError(f"{owner}: class_id must be None or an int >= 0, got {class_id!r}")
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        setattr(self, self._constraint, value)

    @property
    def thresholds(self) -> list:
        return list(self._spec().thresholds)

    def _spec(self, weighted=False):
        return _core.MetricSpec(
            self.kind,
            value=float(self.value),
            num_thresholds=self.num_thresholds,
            class_id=-1 if self.class_id is None else self.class_id,
            weighted=weighted,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._constraint: self.value,
        }


class PrecisionAtRecall(_AtConstraint):
    """The best precision where recall >= `recall`."""

    kind, _constraint = _K.precision_at_recall, "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall where precision >= `precision`."""

    kind, _constraint = _K.recall_at_precision, "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) where specificity >= `specificity`."""

    kind, _constraint = _K.sensitivity_at_specificity, "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity where sensitivity (recall) >= `sensitivity`."""

    kind, _constraint = _K.specificity_at_sensitivity, "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


CLASSES = (
    TruePositives,
    FalsePositives,
    TrueNegatives,
    FalseNegatives,
    FBetaScore,
    F1Score,
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
