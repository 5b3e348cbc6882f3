"""The Metric base class (Keras's keras.metrics.Metric): a named metric whose running state is a
C++ MetricState (nerve/metrics.h), updated by update_state or, inside fit, by the C++ step.
nerve.metrics and the modules beside it (metrics_confusion, metrics_iou, metrics_regression)
define the Keras metric classes on it."""

from __future__ import annotations

import numpy as np

from . import _core
from .ops import _dispatch
from .utils.keras_args import check_dtype


class Metric:
    """Base class: a named metric with running state (update_state / result / reset_state)."""

    kind = None
    direction = "up"  # whether larger is better (EarlyStopping's mode="auto")
    _nerve_metric = True  # what layers look for to track metric attributes (Keras)

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or self._default_name
        check_dtype(f"{type(self).__name__} '{self.name}'", dtype)  # float32 only, as layers
        self._state = _core.MetricState()

    @property
    def _default_name(self) -> str:
        """Keras's default name: the C++ metric kind's name (MetricKind, nerve/metrics.h)."""
        return "" if self.kind is None else self.kind.name

    def _spec(self, weighted: bool = False):
        return _core.MetricSpec(self.kind, weighted=weighted)

    def _refuse_in_traced_step(self, what: str) -> None:
        """What a traced step (nerve.models.step_tracing) cannot record: the step then runs from
        Python, and fit says so."""
        if _dispatch.active_step_tracer() is not None:
            raise TypeError(
                f"{type(self).__name__} '{self.name}'.{what} inside a traced step is not traced "
                f"into C++"
            )

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        tracer = _dispatch.active_step_tracer()
        if tracer is not None:  # recorded: C++ updates this metric's state on every step
            tracer.update_metric(self, y_true, y_pred, sample_weight)
            return
        if _symbolic(y_true) or _symbolic(y_pred):
            raise TypeError(
                f"{type(self).__name__} '{self.name}': update_state on tensors of a traced "
                f"call(): only nerve.metrics.Mean and Sum (which take values) can be updated "
                f"inside call(); compare y_true and y_pred with compile(metrics=[...])"
            )
        pred = np.ascontiguousarray(y_pred, dtype=np.float32)
        true = np.ascontiguousarray(y_true, dtype=np.float32)
        w = (
            None
            if sample_weight is None
            else _core.Tensor(np.ascontiguousarray(sample_weight, dtype=np.float32).reshape(-1))
        )
        _core.update_metric(
            self._spec(weighted=True), self._state, _core.Tensor(pred), _core.Tensor(true), w
        )

    def result(self):
        """The value Keras reports: a float, or a float32 array for a metric whose result is a
        vector (F1Score with average=None, TruePositives with several thresholds, ...)."""
        spec = self._spec()
        tracer = _dispatch.active_step_tracer()
        if tracer is not None:  # a traced step's output, computed after each step
            return tracer.metric_result(self)
        return result_value(spec, _core.metric_values(spec, self._state))

    def reset_state(self) -> None:
        """Back to no batches. In place: a traced step holds this state."""
        self._refuse_in_traced_step("reset_state")
        self._state.reset()

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        """As Keras 3: update_state with this batch, then the running result (a fresh metric
        gives the batch's value)."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name}

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Keras's Metric.add_variable: a state tensor of `shape` from `initializer` (a name,
        an Initializer, or a value), which update_state changes with assign / assign_add and
        reset_state with assign. A metric subclass written this way runs in the Python step."""
        check_dtype(f"{type(self).__name__} '{self.name}'.add_variable", dtype)
        shape = tuple(int(d) for d in shape)
        if isinstance(initializer, str) and initializer in ("zeros", "ones"):
            value = (
                np.zeros(shape, np.float32)
                if initializer == "zeros"
                else np.ones(shape, np.float32)
            )
        elif callable(initializer):
            value = np.asarray(initializer(shape), dtype=np.float32)
        else:
            value = np.broadcast_to(np.asarray(initializer, dtype=np.float32), shape).copy()
        variable = _core.Tensor(np.ascontiguousarray(value))
        self.__dict__.setdefault("_variables", []).append(variable)
        return variable

    @property
    def variables(self) -> list:
        return list(self.__dict__.get("_variables", []))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _symbolic(x) -> bool:
    """A traced or symbolic tensor (it records updates instead of holding values)."""
    return getattr(type(x), "_nerve_record_metric", None) is not None


def result_value(spec, values):
    """A metric's value as Keras gives it: a float, or a float32 vector (spec.vector_result)."""
    return np.asarray(values, dtype=np.float32) if spec.vector_result else float(values[0])


class FromConfig:
    """Keras's Metric.from_config: the constructor called with the saved config."""

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
