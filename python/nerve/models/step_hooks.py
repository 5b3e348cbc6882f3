"""The Keras 3 hooks a Model subclass overrides to customise fit / evaluate / predict:
train_step, test_step, predict_step, compute_loss, compute_metrics, get_metrics_result, the
`metrics` list and reset_metrics. Part of Model (model.py).

The defaults here are Keras's steps written with nerve.GradientTape, so an override may call
super().train_step(data) or override only compute_loss / compute_metrics. A model that overrides
none of them never runs these: its fit runs whole steps in C++ (training.py). One that does is
run step by step from Python (python_steps.py); every op, the forward and the backward pass of
each step still run in C++.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from .. import _core, ops
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..gradient_tape import GradientTape
from ..ops import _dispatch
from ..utils.batch_structure import unpack_x_y_sample_weight
from .graph_network import as_list

# Which overridable hooks each run calls (Keras: fit uses test_step for its validation).
STEP_HOOKS = {
    "fit": ("train_step", "compute_loss", "compute_metrics"),
    "train_on_batch": ("train_step", "compute_loss", "compute_metrics"),
    "evaluate": ("test_step", "compute_loss", "compute_metrics"),
    "test_on_batch": ("test_step", "compute_loss", "compute_metrics"),
    "predict": ("predict_step",),
    "predict_on_batch": ("predict_step",),
}

# Attributes holding metrics nerve made itself (the loss tracker, the C++ step's compiled metric
# objects): self.metrics lists them in Keras's order, not as user attributes.
_NOT_USER_METRICS = {"_loss_tracker", "_metric_objects"}


class StepHooks:
    """Keras's overridable steps and the metrics they report (see the module docstring)."""

    _loss_tracker = None  # compile() makes it
    _step_metrics = None
    _step_loss_spec = None

    # ---- which runs go through Python -------------------------------------------------------
    def _overridden_hooks(self, where: str) -> list:
        """The hooks of STEP_HOOKS[where] that this model's class overrides."""
        return [h for h in STEP_HOOKS[where] if getattr(type(self), h) is not getattr(StepHooks, h)]

    def _runs_python_steps(self, where: str) -> bool:
        """True when `where` must call this model's steps from Python: a hook it uses is
        overridden, or (evaluate) compile() was given no loss, so only Keras's default Python
        test_step (a zero loss plus the metrics) can run."""
        if self._overridden_hooks(where):
            return True
        if where in ("evaluate", "test_on_batch") and self.loss is None:
            return True
        python_parts = self.__dict__.get("_python_step_parts", False)  # set by compile()
        return where in STEP_HOOKS and where[:7] != "predict" and python_parts

    def _python_loss(self) -> bool:
        """compile() was given a loss computed by Python code (a Loss subclass, a function)."""
        loss = getattr(self, "loss", None)
        if loss is None:
            return False
        entries = loss.values() if isinstance(loss, dict) else as_list(loss)
        return any(losses_mod.is_python_loss(losses_mod.get(l)) for l in entries if l is not None)

    def _python_step_reason(self, where: str, reason: str | None = None) -> str:
        """fit / evaluate / predict's warning when the steps run from Python, once per batch;
        `reason` says why the step was not traced into C++ (step_tracing.py)."""
        hooks = self._overridden_hooks(where)
        what = (
            f"overrides {', '.join(hooks)}"
            if hooks
            else "was compiled with a loss or metric computed in Python"
            if self.__dict__.get("_python_step_parts", False)
            else "was compiled without a loss (Keras's default test_step runs)"
        )
        why = reason or (
            "predict_step is not traced into C++ yet"
            if where.startswith("predict")
            else "it was not traced"
        )
        return (
            f"{where}: {type(self).__name__} '{self.name}' {what}, which is Python code that "
            f"could not be traced into C++ ({why}), so {where}() calls it once per batch from "
            f"Python (its ops still run in C++, the forward and backward passes and the "
            f"optimizer update without the GIL)"
        )

    # ---- the steps ----------------------------------------------------------------------------
    def train_step(self, data):
        """One training step on a batch (x, y[, sample_weight]) of nerve.Tensor: forward pass,
        compute_loss, gradients, optimizer.apply_gradients, then the metrics; returns the logs
        (a dict of metric values). Override it to change what fit does."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        trainable = self.trainable_weights
        grads = tape.gradient(loss, trainable)
        self.optimizer.apply_gradients(zip(grads, trainable))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step: forward pass in inference mode, the loss and the metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch, in inference mode."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ---- loss ---------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss, as Keras 3: the compiled loss(es) of y and y_pred (weighted by
        loss_weights and sample_weight) plus the model's regularization penalties (weights, and
        the activity of the last call); a scalar nerve.Tensor the tape can differentiate."""
        del x, training  # the default does not use them (Keras)
        traced = _dispatch.active_step_tracer() is not None
        terms = []
        if self.loss is not None:
            if y is None:
                raise ValueError(
                    f"{type(self).__name__}.compute_loss: the compiled loss needs targets, but "
                    f"y is None (the batch has no targets?)"
                )
            preds = self._flat_outputs(y_pred)
            targets = self._flat_targets(y, f"{type(self).__name__}.compute_loss")
            if len(targets) != len(preds):
                raise ValueError(
                    f"{type(self).__name__}.compute_loss: {len(targets)} target(s) for "
                    f"{len(preds)} output(s)"
                )
            entries = self._compiled_step_metrics([tuple(p.shape[1:]) for p in preds])
            trackers = {i: m for _, m, i, kind in entries if kind == "loss"}
            losses, weights = self._step_losses(len(preds))
            for i, (loss, weight, target, pred) in enumerate(zip(losses, weights, targets, preds)):
                value = loss(_like_prediction(loss, target, pred), pred, sample_weight)
                if i in trackers:  # Keras: each output's unweighted loss, per sample
                    trackers[i].update_state(value, sample_weight=_batch_size(pred))
                if weight != 1.0:  # (ops.multiply: the Keras-named op, which a trace records)
                    value = ops.multiply(value, weight) if traced else ops.scale(value, weight)
                terms.append(value)
        if traced and self.built:  # a traced step: the penalty of its forward pass
            penalty = _dispatch.active_step_tracer().penalty(self)
        else:
            penalty = self._core_model.regularization_tensor() if self.built else None
        if penalty is not None:
            terms.append(penalty)
        if not terms:
            return _core.Tensor(np.zeros((), np.float32))  # Keras on JAX: zeros(())
        if traced:
            return functools.reduce(ops.add, terms)
        return terms[0] if len(terms) == 1 else ops.add_n(terms)

    def _flat_targets(self, y, where: str) -> list:
        """A step's targets as a list in the order of the outputs: a dict by output name (a
        missing or unknown name is a ValueError naming the outputs)."""
        if not isinstance(y, dict):
            return as_list(y)
        names = self._output_names
        missing = [k for k in names if k not in y]
        unknown = [k for k in y if k not in names]
        if missing or unknown:
            raise ValueError(
                f"{where}: y has "
                + (f"no entry for output(s) {missing}" if missing else "")
                + (" and " if missing and unknown else "")
                + (f"entries for unknown output(s) {unknown}" if unknown else "")
                + f"; the model's outputs are {names}"
            )
        return [y[k] for k in names]

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """compute_loss, also for an override written without `training` (Keras < 3.3)."""
        if "training" in inspect.signature(self.compute_loss).parameters:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    @property
    def losses(self) -> list:
        """Keras's model.losses: the add_loss terms and regularization penalties (weights, and
        the activity of the last call) of the model's layers, so that `sum(model.losses)` is
        what Keras's sum is. nerve gives them as one term, their sum (Keras lists each), a
        scalar nerve.Tensor: inside a train_step it is the penalty of that step's forward pass
        (differentiable, as Keras's; a zero there when the model has none), elsewhere [] when the
        model has none (or is not built)."""
        if not self.built:
            return []
        tracer = _dispatch.active_step_tracer()
        if tracer is not None:  # a recorded value: 0 in every step when there is no penalty
            return [tracer.penalty(self)]
        penalty = self._core_model.regularization_tensor()
        return [] if penalty is None else [penalty]

    def _step_losses(self, n_outputs: int):
        """(losses, loss weights), one per output (kept until the next compile() once the
        model is built)."""
        if self.built:
            if self._step_loss_spec is None:
                self._step_loss_spec = (
                    [losses_mod.get(l) for l in self._per_output(self.loss, "loss")],
                    [float(w) for w in self._per_output(self._loss_weights, "loss_weights", 1.0)],
                )
            return self._step_loss_spec
        if not isinstance(self.loss, losses_mod.Loss) and n_outputs != len(as_list(self.loss)):
            raise ValueError(
                f"{type(self).__name__}.compute_loss: {len(as_list(self.loss))} losses "
                f"compiled for {n_outputs} output(s)"
            )
        losses = (
            [self.loss] * n_outputs
            if isinstance(self.loss, losses_mod.Loss)
            else [losses_mod.get(l) for l in as_list(self.loss)]
        )
        weights = self._loss_weights if isinstance(self._loss_weights, (list, tuple)) else None
        return losses, [1.0] * n_outputs if weights is None else [float(w) for w in weights]

    # ---- metrics --------------------------------------------------------------------------------
    @property
    def metrics(self) -> list:
        """As Keras 3: the loss tracker ("loss") and the compiled metrics once compiled, then
        the metrics assigned as attributes of the model (e.g. self.loss_tracker =
        nerve.metrics.Mean(name="loss")), in assignment order."""
        own = []
        tracker = getattr(self, "_loss_tracker", None)
        if tracker is not None:
            own.append(tracker)
        if self._step_metrics is None and self.compiled and self.built:
            self._compiled_step_metrics([tuple(s) for s in self._output_shapes])
        own += [m for _, m, _, _ in self._step_metrics or []]
        seen = {id(m) for m in own}
        return own + [m for m in self._tracked_metrics() if id(m) not in seen]

    def _call_metrics(self) -> list:
        """The tracked metrics a traced call() updates (the C++ steps' logs report them)."""
        if not metrics_mod.traced_states_made:  # none anywhere: skip the walk over the layers
            return []
        return [m for m in self._tracked_metrics() if getattr(m, "_traced_state", None) is not None]

    def _tracked_metrics(self) -> list:
        """The metrics assigned as attributes of the model, then its layers' (Keras 3): what
        a train_step or a call() updates with update_state."""
        found, seen = [], set()
        for key in self.__dict__.get("_metric_attributes", ()):
            value = self.__dict__.get(key)
            for m in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(m, metrics_mod.Metric) and id(m) not in seen:
                    seen.add(id(m))
                    found.append(m)
        for layer in self.layers if self.built else ():
            for m in getattr(layer, "metrics", ()):
                if isinstance(m, metrics_mod.Metric) and id(m) not in seen:
                    seen.add(id(m))
                    found.append(m)
        return found

    def __setattr__(self, name, value):
        """Keras tracks the metrics assigned as attributes (self.metrics lists them); noting
        their names here keeps self.metrics cheap in every step."""
        if name not in _NOT_USER_METRICS and (
            isinstance(value, metrics_mod.Metric)
            or (
                isinstance(value, (list, tuple))
                and value
                and all(isinstance(v, metrics_mod.Metric) for v in value)
            )
        ):
            self.__dict__.setdefault("_metric_attributes", {})[name] = None
        super().__setattr__(name, value)

    def reset_metrics(self) -> None:
        """reset_state() of every metric in self.metrics (fit does it at each epoch's start,
        evaluate before it starts)."""
        for m in self.metrics:
            m.reset_state()

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics with this batch (weighted_metrics with sample_weight),
        then return get_metrics_result()."""
        del x  # the default does not use it (Keras)
        preds = self._flat_outputs(y_pred)
        entries = self._compiled_step_metrics([tuple(p.shape[1:]) for p in preds])
        if entries:
            targets = self._flat_targets(y, f"{type(self).__name__}.compute_metrics")
            for _, metric, output, kind in entries:
                if kind != "loss":  # the loss trackers are compute_loss's
                    metric.update_state(
                        targets[output],
                        preds[output],
                        sample_weight if kind == "weighted" else None,
                    )
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """{name: result()} of every metric in self.metrics (compiled ones under their display
        names, e.g. "output_1_mae" with several outputs)."""
        names = {id(m): name for name, m, _, _ in self._step_metrics or []}
        out = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[names.get(id(m), m.name)] = result
        return out

    def _compiled_step_metrics(self, output_shapes) -> list:
        """(display name, metric, output index, kind) for compile()'s metrics (kind "plain")
        and weighted_metrics ("weighted"), then, with several outputs, each output's loss
        tracker ("loss", named "<output>_loss"), in Keras's order. Made once the outputs'
        per-sample shapes are known (they choose the accuracy variant, as Keras): when the model
        is built, or on the first batch."""
        if self._step_metrics is not None:
            return self._step_metrics
        n = len(output_shapes)
        names = self._output_names if self.built else [f"output_{i}" for i in range(n)]
        losses = self._step_losses(n)[0] if self.loss is not None else [None] * n
        if self.built:
            plain = self._metrics_per_output(self._metric_ids, "metrics")
            weighted = self._metrics_per_output(self._weighted_metric_ids, "weighted_metrics")
        else:
            plain = [list(self._metric_ids)] * n
            weighted = [list(self._weighted_metric_ids)] * n
        entries = []
        for i, (out_name, loss, shape) in enumerate(zip(names, losses, output_shapes)):
            taken = []
            for ids, kind in ((plain[i], "plain"), (weighted[i], "weighted")):
                for m in ids:
                    metric = metrics_mod.get(m, loss.name if loss else "", shape)
                    name = metric.name
                    if kind == "weighted" and name in taken:
                        name = f"weighted_{name}"
                    taken.append(name)
                    entries.append((f"{out_name}_{name}" if n > 1 else name, metric, i, kind))
        if n > 1 and self.loss is not None:
            for i, out_name in enumerate(names):
                name = f"{out_name}_loss"
                entries.append((name, metrics_mod.Mean(name=name), i, "loss"))
        self._step_metrics = entries
        return entries


def _batch_size(x):
    """Rows of the first input (what Keras weighs the loss tracker's batches by); in a traced
    step, the batch size as a SymbolicDim (known when each batch arrives)."""
    first = next(iter(x.values())) if isinstance(x, dict) else as_list(x)[0]
    if first.shape[0] is None:
        return ops.shape(first)[0]
    return int(first.shape[0])


def _like_prediction(loss, target, pred):
    """(n,) targets for an (n, 1) output are reshaped to it (as the built-in step does); sparse
    class labels are left as they are."""
    if loss.sparse_labels or len(target.shape) != len(pred.shape) - 1 or pred.shape[-1] != 1:
        return target
    shape = tuple(pred.shape)
    if isinstance(target, _core.Tensor):
        return target.reshape(list(shape))
    if isinstance(target, np.ndarray):
        return np.reshape(target, shape)
    return ops.reshape(target, (-1, *shape[1:]))  # a traced target (its batch size is open)
