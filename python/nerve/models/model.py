"""compile / fit / evaluate / predict: the Keras training API over the C++ Trainer.

fit() runs the steps of an epoch in C++ chunks (forward, loss, backward and optimizer update per
step, no Python per op, GIL released); Python only updates the progress bar and calls callbacks
between chunks. A chunk lasts about 50 ms, or one step when a callback has per-batch hooks or
the learning rate comes from a Python callable. Generators and other iterables of batches run
one C++ step per batch.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .. import _core, losses, metrics as metrics_mod, optimizers
from ..callbacks import CallbackList, History
from ..errors import NonFiniteLossError
from ..utils.progbar import Progbar
from . import data
from .summary import format_summary

_CHUNK_SECONDS = 0.05


class Model:
    """Base of all models. Subclasses provide `layers`, `_core_model`, `_input_shape`, `build()`."""

    def __init__(self, name: str | None = None):
        self.name = name or "model"
        self._trainer = None
        self.optimizer = None
        self.loss = None
        self._metric_names: list[str] = []
        self._metric_ids = []
        self._weighted_metric_ids = []
        self._metric_objects = []
        self.stop_training = False
        self.history = None

    # ---- construction -------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, weighted_metrics=None):
        """Choose the optimizer, loss and metrics (Keras names or objects). weighted_metrics are
        weighted by sample_weight / class_weight; metrics are not (Keras 3)."""
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='mse'")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self._metric_ids = list(metrics or [])
        self._weighted_metric_ids = list(weighted_metrics or [])
        for m in self._metric_ids + self._weighted_metric_ids:  # validate now, resolve once built
            metrics_mod.resolve(m, self.loss, (1,))
        self._trainer = None
        if self.built:
            self._make_trainer()

    def _make_trainer(self):
        out_shape = self._output_shape
        resolved = [metrics_mod.resolve(m, self.loss, out_shape) for m in self._metric_ids]
        names = [name for name, _, _ in resolved]
        for m in getattr(self, "_weighted_metric_ids", []):
            name, spec, obj = metrics_mod.resolve(m, self.loss, out_shape, weighted=True)
            resolved.append((f"weighted_{name}" if name in names else name, spec, obj))
            names.append(resolved[-1][0])
        self._metric_names = names
        self._metric_objects = [obj for _, _, obj in resolved]
        self._trainer = _core.Trainer(self._core_model, self.loss._to_core(),
                                      self.optimizer._core, [spec for _, spec, _ in resolved])

    def _ensure_ready(self, x: np.ndarray, where: str, need_compile: bool = True):
        if need_compile and self.loss is None:
            raise RuntimeError(f"You must call compile() before {where}()")
        if not self.built:
            self.build(x.shape[1:])
        want = tuple(self._input_shape)
        if tuple(x.shape[1:]) != want:
            first = self.layers[0]
            raise ValueError(f"{where}: {type(first).__name__} '{first.name}' expects input of "
                             f"shape {(None,) + want}, got x of shape {x.shape}")
        if need_compile and self._trainer is None:
            self._make_trainer()

    def _prepare(self, x, y, sample_weight, class_weight, where):
        """Validated float32 arrays (x, y, weights or None) for a compiled model."""
        x = data.as_float_array(x, "x", where)
        y = data.as_float_array(y, "y", where)
        data.check_same_length(x, y, where)
        self._ensure_ready(x, where)
        w = data.sample_weights(sample_weight, class_weight, y, where)
        y = data.prepare_targets(y, self.loss, self._output_shape, where)
        return x, y, w

    # ---- training -----------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns a History whose .history maps names to lists.
        x may be arrays (with y), or a generator / iterable of (x, y[, sample_weight]) batches."""
        where = "fit"
        if steps_per_epoch is not None and (not isinstance(steps_per_epoch, int) or
                                            isinstance(steps_per_epoch, bool) or
                                            steps_per_epoch <= 0):
            raise ValueError(f"fit: steps_per_epoch must be a positive int or None, got "
                             f"{steps_per_epoch!r}")
        if not isinstance(initial_epoch, int) or initial_epoch < 0:
            raise ValueError(f"fit: initial_epoch must be a non-negative int, got "
                             f"{initial_epoch!r}")
        if not isinstance(validation_freq, int) or validation_freq < 1:
            raise ValueError(f"fit: validation_freq must be a positive int, got "
                             f"{validation_freq!r}")
        verbose = 1 if verbose == "auto" else int(verbose)
        if self.loss is None:
            raise RuntimeError("You must call compile() before fit()")
        val = self._validation_source(validation_data, validation_steps, where)
        if data.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError("fit: when x is a generator or iterable of batches, y and "
                                 "sample_weight come in the batches; pass y=None")
            if validation_split:
                raise ValueError("fit: validation_split needs arrays; with a generator pass "
                                 "validation_data")
            stream = data.BatchStream(x, steps_per_epoch)
            try:
                steps = len(stream)
            except TypeError:
                steps = None
            return self._fit_loop(stream, None, steps, epochs, verbose, callbacks, val,
                                  initial_epoch, class_weight, validation_batch_size,
                                  validation_freq)

        x, y, w = self._prepare(x, y, sample_weight, class_weight, where)
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if val is None and validation_split > 0.0:
            split = int(len(x) * (1.0 - validation_split))  # Keras: the last samples, unshuffled
            if split == 0 or split == len(x):
                raise ValueError(f"fit: validation_split={validation_split} leaves no samples "
                                 f"on one side for {len(x)} samples")
            val = ("arrays", x[split:], y[split:], None if w is None else w[split:])
            x, y = x[:split], y[:split]
            w = None if w is None else w[:split]
        batch_size = int(batch_size or 32)
        if batch_size <= 0:
            raise ValueError(f"fit: batch_size must be positive, got {batch_size}")
        arrays = data.ArrayEpochs(x, y, w, batch_size, shuffle, steps_per_epoch)
        return self._fit_loop(None, arrays, arrays.steps_per_epoch, epochs, verbose, callbacks,
                              val, initial_epoch, None, validation_batch_size or batch_size,
                              validation_freq)

    def _validation_source(self, validation_data, validation_steps, where):
        """("arrays", x, y, w) or ("batches", BatchStream) or None."""
        if validation_data is None:
            return None
        if data.is_batch_source(validation_data):
            # Kept across epochs: with validation_steps, each evaluation continues the stream.
            return ("batches", data.BatchStream(validation_data, validation_steps))
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("fit: validation_data must be a tuple (x_val, y_val) or "
                             "(x_val, y_val, val_sample_weight), or an iterable of batches")
        vx = data.as_float_array(validation_data[0], "validation x", where)
        vy = data.as_float_array(validation_data[1], "validation y", where)
        data.check_same_length(vx, vy, where + " (validation_data)")
        self._ensure_ready(vx, where)
        vw = None
        if len(validation_data) == 3 and validation_data[2] is not None:
            vw = data.sample_weights(validation_data[2], None, vy, where + " (validation_data)")
        vy = data.prepare_targets(vy, self.loss, self._output_shape, where)
        return ("arrays", vx, vy, vw)

    def _fit_loop(self, stream, arrays, steps, epochs, verbose, callbacks, val, initial_epoch,
                  class_weight, val_batch_size, validation_freq):
        """The epoch loop shared by array input (C++ chunks of steps) and batch streams (one
        C++ step per batch)."""
        self.history = History()
        cbs = CallbackList([*(callbacks or []), self.history], self,  # History last, as Keras
                           {"epochs": epochs, "steps": steps, "verbose": verbose})
        names = ["loss", *self._metric_names]
        self.stop_training = False
        cbs.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            cbs.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}", flush=True)
            bar = Progbar(steps, verbose=verbose, stateful_metrics=names)
            if arrays is not None:
                stats, step = self._train_array_epoch(arrays, cbs, bar, epoch)
            else:
                if stream.exhausted:
                    warnings.warn("fit: the input generator ran out of data; training stops "
                                  "(use a re-iterable dataset or set steps_per_epoch)",
                                  stacklevel=3)
                    break
                stats, step = self._train_stream_epoch(stream, cbs, bar, epoch, class_weight)
                if step == 0 and stream.exhausted:
                    warnings.warn("fit: the input generator ran out of data; training stops",
                                  stacklevel=3)
                    break
            logs = self._logs(stats)
            if stats.non_finite:
                logs["loss"] = float("nan")
            if val is not None and (epoch + 1) % validation_freq == 0:
                cbs.on_test_begin()
                vlogs = self._evaluate_source(val, val_batch_size)
                cbs.on_test_end(vlogs)
                logs.update({f"val_{k}": v for k, v in vlogs.items()})
            bar.update(step, list(logs.items()), finalize=True)
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return self.history

    def _train_array_epoch(self, arrays, cbs, bar, epoch):
        """One epoch over arrays in C++ chunks of steps (one step per chunk when a callback or a
        Python learning-rate callable needs every step)."""
        per_batch = cbs.wants_batches or self.optimizer._steps_in_python
        first, todo_total, order = arrays.next_epoch()
        stats = _core.Stats()
        step, chunk = 0, 1
        while step < todo_total:
            todo = min(chunk, todo_total - step)
            cbs.on_train_batch_begin(step)
            self.optimizer._sync_python_schedule()
            t0 = time.perf_counter()
            chunk_stats = self._trainer.train(arrays.xt, arrays.yt, arrays.wt, order,
                                              arrays.batch_size, first + step, todo)
            elapsed = time.perf_counter() - t0
            stats.merge(chunk_stats)
            step += chunk_stats.steps
            if chunk_stats.non_finite:
                self._non_finite(stats, cbs, epoch, first + chunk_stats.non_finite_step,
                                 arrays.steps_per_epoch)
                break
            logs = self._logs(stats)
            cbs.on_train_batch_end(step - 1, logs)
            if not per_batch:
                per_step = elapsed / max(chunk_stats.steps, 1)
                chunk = max(1, int(_CHUNK_SECONDS / max(per_step, 1e-9)))
            bar.update(step, list(logs.items()), finalize=False)
            if self.stop_training:
                break
        return stats, step

    def _train_stream_epoch(self, stream, cbs, bar, epoch, class_weight):
        """One epoch over a batch stream: each batch is validated, then one C++ step."""
        stats = _core.Stats()
        step = 0
        for batch in stream.epoch():
            xb, yb, wb = self._batch_tensors(batch, class_weight, "fit", step)
            cbs.on_train_batch_begin(step)
            self.optimizer._sync_python_schedule()
            s = self._trainer.train_batch(xb, yb, wb)
            stats.merge(s)
            if s.non_finite:
                self._non_finite(stats, cbs, epoch, step, None)
                break
            step += 1
            logs = self._logs(stats)
            cbs.on_train_batch_end(step - 1, logs)
            bar.update(step, list(logs.items()), finalize=False)
            if self.stop_training:
                break
        return stats, step

    def _batch_tensors(self, batch, class_weight, where, index, need_y=True):
        x, y, w = data.unpack_batch(batch, where, index)
        label = f"{where} (batch {index})"
        x = data.as_float_array(x, "x", label)
        if not need_y:
            self._ensure_ready(x, where, need_compile=False)
            return _core.Tensor(x), None, None
        if y is None:
            raise ValueError(f"{label}: the batch has no targets; yield (x, y) or "
                             f"(x, y, sample_weight)")
        x, y, w = self._prepare(x, y, w, class_weight, label)
        return _core.Tensor(x), _core.Tensor(y), None if w is None else _core.Tensor(w)

    def _non_finite(self, stats, cbs, epoch, bad_step, steps):
        """A step gave a NaN/Inf loss (not applied). The batch hooks see loss=nan (so
        TerminateOnNaN can stop training cleanly); otherwise fit raises."""
        logs = self._logs(stats)
        logs["loss"] = float("nan")
        cbs.on_train_batch_end(bad_step, logs)
        if not self.stop_training:
            of = f" of {steps}" if steps else ""
            raise NonFiniteLossError(
                f"fit: the loss became NaN or Inf at epoch {epoch + 1}, step {bad_step + 1}{of}; "
                f"training stopped before applying that step. Lower the learning rate or check "
                f"the data.")

    def _logs(self, stats) -> dict:
        logs = {"loss": stats.loss_sum / max(stats.samples, 1)}
        logs.update(zip(self._metric_names, self._trainer.metric_results(stats)))
        return logs

    def _evaluate_source(self, source, batch_size) -> dict:
        if source[0] == "arrays":
            _, x, y, w = source
            return self._evaluate_arrays(x, y, batch_size, w)
        stream = source[1]
        stats = _core.Stats()
        for i, batch in enumerate(stream.epoch()):
            xb, yb, wb = self._batch_tensors(batch, None, "evaluate", i)
            stats.merge(self._trainer.test_batch(xb, yb, wb))
        if stats.samples == 0:
            raise ValueError("evaluate: the batch iterable gave no batches (a one-shot "
                             "generator that ran out?)")
        return self._logs(stats)

    def _evaluate_arrays(self, x, y, batch_size, sample_weight=None) -> dict:
        w = None if sample_weight is None else _core.Tensor(sample_weight)
        stats = self._trainer.evaluate(_core.Tensor(x), _core.Tensor(y), w, int(batch_size or 32))
        return self._logs(stats)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on (x, y) or an iterable of batches: a list [loss, *metrics] (a float
        with no metrics), or a dict with return_dict=True."""
        where = "evaluate"
        if self.loss is None:
            raise RuntimeError("You must call compile() before evaluate()")
        cbs = CallbackList(callbacks or [], self, {"steps": steps, "verbose": verbose})
        cbs.on_test_begin()
        if data.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError("evaluate: with an iterable of batches, y and sample_weight "
                                 "come in the batches; pass y=None")
            logs = self._evaluate_source(("batches", data.BatchStream(x, steps)), None)
        else:
            x, y, w = self._prepare(x, y, sample_weight, None, where)
            if steps is not None:  # Keras: evaluate only the first `steps` batches
                n = min(len(x), int(steps) * int(batch_size or 32))
                x, y, w = x[:n], y[:n], None if w is None else w[:n]
            logs = self._evaluate_arrays(x, y, int(batch_size or 32), w)
            if verbose not in (0, False):
                n_steps = math.ceil(len(x) / int(batch_size or 32))
                Progbar(n_steps, verbose=1, stateful_metrics=list(logs)).update(
                    n_steps, list(logs.items()), finalize=True)
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None) -> np.ndarray:
        """Model outputs for x (an array, or an iterable of batches), in inference mode."""
        if data.is_batch_source(x):
            outputs = []
            for i, batch in enumerate(data.BatchStream(x, steps).epoch()):
                xb, _, _ = self._batch_tensors(batch, None, "predict", i, need_y=False)
                outputs.append(self._predictor().predict(xb, max(len(xb), 1)))
            if not outputs:
                raise ValueError("predict: the batch iterable gave no batches")
            return np.concatenate([np.asarray(o) for o in outputs])
        x = data.as_float_array(x, "x", "predict")
        self._ensure_ready(x, "predict", need_compile=False)
        return np.asarray(self._predictor().predict(_core.Tensor(x), int(batch_size or 32)))

    def _predictor(self):
        return self._trainer or _core.Trainer(self._core_model, _core.Loss("mse"), None, [])

    def _batch_result(self, stats, return_dict):
        logs = self._logs(stats)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One training step on one batch; returns this batch's loss (and metrics: a list
        [loss, *metrics], or a dict with return_dict=True)."""
        xt, yt, wt = self._batch_tensors((x, y, sample_weight), class_weight,
                                         "train_on_batch", 0)
        self.optimizer._sync_python_schedule()
        stats = self._trainer.train_batch(xt, yt, wt)
        if stats.non_finite:
            raise NonFiniteLossError("train_on_batch: the loss became NaN or Inf; the step was "
                                     "not applied")
        return self._batch_result(stats, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch in inference mode, without updating the weights."""
        xt, yt, wt = self._batch_tensors((x, y, sample_weight), None, "test_on_batch", 0)
        return self._batch_result(self._trainer.test_batch(xt, yt, wt), return_dict)

    def predict_on_batch(self, x) -> np.ndarray:
        """Model outputs for one batch, in inference mode."""
        x = data.as_float_array(x, "x", "predict_on_batch")
        self._ensure_ready(x, "predict_on_batch", need_compile=False)
        return np.asarray(self._predictor().predict(_core.Tensor(x), max(len(x), 1)))

    # ---- weights and inspection ---------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = sum(len(layer.weights) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"set_weights: the model has {expected} weight arrays, got "
                             f"{len(weights)}")
        i = 0
        for layer in self.layers:
            k = len(layer.weights)
            layer.set_weights(weights[i:i + k])
            i += k

    @property
    def weights(self) -> list:
        return [w for layer in self.layers for w in layer.weights]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print) -> None:
        print_fn(format_summary(self))
