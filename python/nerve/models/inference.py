"""evaluate() and predict() (and their one-batch forms): running a model without training it,
over arrays in C++ (evaluate through the compiled Trainer; predict through a Predictor, which
needs no loss) or over an iterable of batches. Part of Model (model.py)."""

from __future__ import annotations

import math

import numpy as np

from .. import _core
from ..callbacks import CallbackList
from ..utils.keras_args import reject_unsupported
from ..utils.progbar import Progbar
from . import data
from .python_steps import _float_arrays, _tensors, _to_numpy


class Inference:
    """evaluate(), predict(), test_on_batch() and predict_on_batch()."""

    def _evaluate_source(self, source, batch_size, bar=None) -> dict:
        for m in self._call_metrics():  # Keras resets the metrics before evaluating
            m.reset_state()
        if source[0] == "arrays":
            _, xs, ys, w = source
            logs = self._evaluate_arrays(xs, ys, batch_size, w)
            if bar is not None:
                n_steps = math.ceil(len(xs[0]) / batch_size)
                bar.target = n_steps
                bar.update(n_steps, list(logs.items()), finalize=True)
            return logs
        stream = source[1]
        stats = _core.Stats()
        step = 0
        for i, batch in enumerate(stream.epoch()):
            xb, yb, wb = self._batch_tensors(batch, None, "evaluate", i)
            stats.merge(self._trainer.test_batch(xb, yb, wb))
            step = i + 1
            if bar is not None:
                bar.update(step, list(self._logs(stats).items()), finalize=False)
        if stats.samples == 0:
            raise ValueError(
                "evaluate: the batch iterable gave no batches (a one-shot generator that ran out?)"
            )
        logs = self._logs(stats)
        if bar is not None:
            bar.target = bar.target or step  # Keras: an unknown length is known at the end
            bar.update(step, list(logs.items()), finalize=True)
        return logs

    def _evaluate_arrays(self, xs, ys, batch_size, sample_weight=None) -> dict:
        w = None if sample_weight is None else _core.Tensor(sample_weight)
        stats = self._trainer.evaluate(
            [_core.Tensor(a) for a in xs], [_core.Tensor(a) for a in ys], w, batch_size
        )
        return self._logs(stats)

    @staticmethod
    def _verbosity(verbose) -> int:
        return 1 if verbose == "auto" else int(verbose)

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """Loss and metrics on (x, y) or an iterable of batches: a list [loss, *output losses,
        *metrics] (a float when that is all), or a dict with return_dict=True. verbose=1 (and
        "auto") draws Keras' progress bar, 2 one line, 0 nothing."""
        warn = kwargs.pop("_warn", True)  # fit's validation has said it once already
        if kwargs:  # Keras's evaluate takes only a private keyword here
            raise ValueError(f"Model.evaluate: arguments not recognized: {kwargs}")
        where = "evaluate"
        self._check_run("evaluate")
        batch_size = data.batch_size_or_default(batch_size, "evaluate")
        verbose = self._verbosity(verbose)
        if self._runs_python_steps("evaluate"):
            self._require_compiled("evaluate")
            logs = self._evaluate_python(
                x, y, sample_weight, batch_size, steps, verbose, callbacks, warn
            )
            return logs if return_dict else self._flatten_logs(logs)
        self._require_compiled("evaluate", need_loss=True)
        cbs = CallbackList(callbacks or [], self, {"steps": steps, "verbose": verbose})
        cbs.on_test_begin()
        # Made before the work starts, so that its time per step is the real one.
        bar = (
            Progbar(steps, verbose=verbose, stateful_metrics=self.metrics_names)
            if verbose
            else None
        )
        if data.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError(
                    "evaluate: with an iterable of batches, y and sample_weight "
                    "come in the batches; pass y=None"
                )
            logs = self._evaluate_source(("batches", _batch_stream(x, steps, bar)), None, bar)
        else:
            xs, ys, w = self._prepare(x, y, sample_weight, None, where)
            if steps is not None:  # Keras: evaluate only the first `steps` batches
                n = min(len(xs[0]), int(steps) * batch_size)
                xs, ys = [a[:n] for a in xs], [a[:n] for a in ys]
                w = None if w is None else w[:n]
            logs = self._evaluate_source(("arrays", xs, ys, w), batch_size, bar)
        cbs.on_test_end(logs)
        return logs if return_dict else self._log_values(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for x (arrays, or an iterable of batches), batch by batch, in inference
        mode (a list for several outputs). verbose=1 (and "auto", as in Keras) draws the
        progress bar, 2 one line, 0 nothing."""
        if callbacks is not None:  # Keras's default; the check costs a one-sample predict 2%
            reject_unsupported("Model.predict", Inference.predict, callbacks=callbacks)
        one_batch = self._predict_one_batch(x, batch_size, verbose, steps)
        if one_batch is not None:
            return one_batch
        self._check_run("predict")
        batch_size = data.batch_size_or_default(batch_size, "predict")
        verbose = self._verbosity(verbose)
        if self._runs_python_steps("predict"):
            return self._predict_python(x, batch_size, steps, verbose)
        bar = Progbar(steps, verbose=verbose) if verbose else None
        if data.is_batch_source(x):
            stream = _batch_stream(x, steps, bar)
            outputs = []
            for i, batch in enumerate(stream.epoch()):
                xb, _, _ = self._batch_tensors(batch, None, "predict", i, need_y=False)
                outputs.append(self._predictor().predict(xb, max(len(xb[0]), 1)))
                if bar is not None:
                    bar.update(i + 1, finalize=False)
            if not outputs:
                raise ValueError("predict: the batch iterable gave no batches")
            if bar is not None:
                bar.target = bar.target or len(outputs)
                bar.update(len(outputs), finalize=True)
            outs = [
                np.concatenate([np.asarray(o[k]) for o in outputs]) for k in range(len(outputs[0]))
            ]
            return self._pack_outputs(outs)
        xs = self._inputs(x, "predict")
        self._ensure_ready(xs, "predict", need_compile=False)
        self._same_length(xs, [], "predict")
        if steps is not None:  # Keras: predict only the first `steps` batches
            xs = [a[: int(steps) * batch_size] for a in xs]
        result = self._predict_arrays(xs, batch_size)
        if bar is not None:
            n_steps = math.ceil(len(xs[0]) / batch_size)
            bar.target = n_steps
            bar.update(n_steps, finalize=True)
        return result

    def _predict_one_batch(self, x, batch_size, verbose, steps):
        """predict() of one numpy array that fits in one batch, on a built model with one input
        (Keras users call predict on single samples in loops): the general path's checks,
        progress bar and results, without its handling of lists, dicts and iterables, which
        cost more than the forward pass of a small model. None when the general path must run."""
        if type(x) is not np.ndarray or x.ndim == 0 or steps is not None or not self.built:
            return None
        batch_size = 32 if batch_size is None else data.batch_size_or_default(batch_size, "predict")
        if not 0 < len(x) <= batch_size:
            return None
        plan = self._one_array_plan()
        if not plan.one_input or plan.python_predict_step:
            return None
        if plan.forced_training:  # what _check_run("predict") checks
            self._check_forced_training("predict", False)
        verbose = self._verbosity(verbose)
        start = Progbar.now() if verbose else 0.0  # the bar's clock starts before the work
        if not plan.core_checks_input_shape:
            self._check_input_shapes([x.shape], "predict")
        outs = self._predict_array(x, batch_size, "predict", convert=True, plan=plan)
        if verbose:
            Progbar.write_one_step(start, verbose)
        return outs[0] if plan.single_output else self._pack_outputs(outs)

    def _predict_array(self, x, batch_size, where, keep_activity=False, convert=False, plan=None):
        """The outputs (a list) of one numpy array through Predictor.predict_array; when the C++
        model refuses its shape, the general path's message for `where` (the caller checks the
        shape first where the C++ model does not: _core_checks_input_shape). An array to
        convert, or one holding a NaN/Inf, gives None, or with `convert` is converted first
        (as_float_array names the place of a NaN). keep_activity: a direct call leaves the
        layers' activity penalties for layer.losses (predict clears them)."""
        predictor = plan.predictor if plan is not None else self._predictor()
        try:
            # float32 in C order and finite, as as_float_array leaves it: predicted at once.
            outs = predictor.predict_array(x, batch_size, keep_activity)
            if outs is None and convert:  # converted (or refused, with the place of a NaN) first
                converted = data.as_float_array(x, "x", where)
                outs = predictor.predict_array(converted, batch_size, keep_activity)
        except ValueError:
            # The C++ layer refused the shape: say it as the general path does.
            self._check_input_shapes([x.shape], where)
            raise
        return outs

    def _one_array_plan(self) -> _OneArrayPlan:
        """What predict's and model(x)'s one-array paths ask of a built model, kept while its
        C++ model and its class stay the same (a rebuild makes a new C++ model). Asked afresh on
        each call, these properties and checks cost a one-sample predict of the MNIST MLP about
        4 us of its ~25 (AMD EPYC Zen 4, 1 thread)."""
        core = self._core_model
        plan = self.__dict__.get("_kept_one_array_plan")
        if plan is None or plan.core is not core or plan.cls is not type(self):
            plan = _OneArrayPlan(self, core)
            self.__dict__["_kept_one_array_plan"] = plan
        return plan

    # The C++ model checks x's per-sample shape exactly as _check_input_shapes does (a Sequential
    # of plain layers: the first layer's input spec), so a one-batch predict checks it there and
    # runs the Python check, for its message, only when that refuses it.
    _core_checks_input_shape = False

    def _predict_arrays(self, xs, batch_size):
        outs = [
            np.asarray(o)
            for o in self._predictor().predict([_core.Tensor(a) for a in xs], batch_size)
        ]
        return self._pack_outputs(outs)

    def _predictor(self):
        """Inference needs only the C++ model: no loss, optimizer or metrics (an uncompiled
        model predicts too). Kept while the C++ model stays the same (a rebuild replaces it)."""
        core = self._core_model
        kept = self.__dict__.get("_kept_predictor")
        if kept is None or kept[0] is not core:
            kept = (core, _core.Predictor(core))
            self.__dict__["_kept_predictor"] = kept
        return kept[1]

    def _batch_result(self, stats, return_dict):
        logs = self._logs(stats)
        return logs if return_dict else self._log_values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode, without updating the weights."""
        self._check_run("test_on_batch")
        if self._runs_python_steps("test_on_batch"):
            self._require_compiled("test_on_batch")
            return self._on_batch_python("test_on_batch", x, y, sample_weight, None, return_dict)
        self._require_compiled("test_on_batch", need_loss=True)
        batch = self._simple_batch_tensors(x, y, sample_weight, None)
        if batch is None:
            batch = self._batch_tensors((x, y, sample_weight), None, "test_on_batch", 0)
        xt, yt, wt = batch
        return self._batch_result(self._trainer.test_batch(xt, yt, wt), return_dict)

    def predict_on_batch(self, x):
        """Model outputs for one batch, in inference mode."""
        self._check_run("predict_on_batch")
        if self._runs_python_steps("predict_on_batch"):
            return _to_numpy(self.predict_step(_tensors(_float_arrays(x, "x", "predict_on_batch"))))
        xs = self._inputs(x, "predict_on_batch")
        self._ensure_ready(xs, "predict_on_batch", need_compile=False)
        self._same_length(xs, [], "predict_on_batch")
        return self._predict_arrays(xs, max(len(xs[0]), 1))


class _OneArrayPlan:
    """Model._one_array_plan's facts of one built model (see there)."""

    __slots__ = (
        "core",
        "cls",
        "predictor",
        "one_input",
        "single_output",
        "core_checks_input_shape",
        "python_predict_step",
        "forced_training",
    )

    def __init__(self, model, core):
        self.core, self.cls = core, type(model)
        self.predictor = model._predictor()
        # a dict of inputs takes x as a dict (one array only with Keras's warning): general path
        self.one_input = len(model._input_shapes) == 1 and model._input_keys is None
        self.single_output = model._single_output
        self.core_checks_input_shape = model._core_checks_input_shape
        self.python_predict_step = model._runs_python_steps("predict")
        # A layer call given training=True in the graph: an inference run checks it each time,
        # since whether the layer depends on the mode (trainable, a rate) can change.
        self.forced_training = any(node.training for node in model._graph_nodes())


def _batch_stream(x, steps, bar):
    """The batches of an iterable for evaluate / predict; a progress bar without a step count
    takes the stream's length where it has one (a generator has none)."""
    stream = data.BatchStream(x, steps)
    if bar is not None and bar.target is None:
        try:
            bar.target = len(stream)
        except TypeError:
            pass
    return stream
