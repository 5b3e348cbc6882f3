"""compile / fit / evaluate / predict: the Keras training API over the C++ Trainer.

fit() runs the steps of an epoch in C++ chunks (forward, loss, backward and optimizer update per
step, no Python per op, GIL released); Python only updates the progress bar and calls callbacks
between chunks. A chunk lasts about 50 ms, or one step when a callback has per-batch hooks.
"""

from __future__ import annotations

import math
import time

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
        self.stop_training = False
        self.history = None

    # ---- construction -------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose the optimizer, loss and metrics (Keras names or objects)."""
        if loss is None:
            raise ValueError("compile: a loss is required, e.g. loss='mse'")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self._metric_ids = list(metrics or [])
        for m in self._metric_ids:  # validate names now, resolve variants once built
            metrics_mod.resolve(m, self.loss.name, (1,))
        self._trainer = None
        if self.built:
            self._make_trainer()

    def _make_trainer(self):
        out_shape = self._output_shape
        resolved = [metrics_mod.resolve(m, self.loss.name, out_shape) for m in self._metric_ids]
        self._metric_names = [name for name, _ in resolved]
        self._trainer = _core.Trainer(self._core_model, self.loss._to_core(),
                                      self.optimizer._core, [kind for _, kind in resolved])

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

    # ---- training -----------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0):
        """Train for `epochs` epochs; returns a History whose .history maps names to lists."""
        where = "fit"
        x = data.as_float_array(x, "x", where)
        y = data.as_float_array(y, "y", where)
        data.check_same_length(x, y, where)
        self._ensure_ready(x, where)
        y = data.prepare_targets(y, self.loss, self._output_shape, where)
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        val = None
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("fit: validation_data must be a tuple (x_val, y_val)")
            vx = data.as_float_array(validation_data[0], "validation x", where)
            vy = data.as_float_array(validation_data[1], "validation y", where)
            data.check_same_length(vx, vy, where + " (validation_data)")
            val = (vx, data.prepare_targets(vy, self.loss, self._output_shape, where))
        elif validation_split > 0.0:
            split = int(len(x) * (1.0 - validation_split))  # Keras: the last samples, unshuffled
            if split == 0 or split == len(x):
                raise ValueError(f"fit: validation_split={validation_split} leaves no samples "
                                 f"on one side for {len(x)} samples")
            x, val = x[:split], (x[split:], y[split:])
            y = y[:split]
        batch_size = int(batch_size or 32)
        if batch_size <= 0:
            raise ValueError(f"fit: batch_size must be positive, got {batch_size}")
        verbose = 1 if verbose == "auto" else int(verbose)

        n = len(x)
        steps = math.ceil(n / batch_size)
        self.history = History()
        cbs = CallbackList([self.history, *(callbacks or [])], self,
                           {"epochs": epochs, "steps": steps, "verbose": verbose})
        per_batch = cbs.wants_batches
        xt, yt = _core.Tensor(x), _core.Tensor(y)
        rng = np.random.default_rng(_core.next_seed())
        names = ["loss", *self._metric_names]
        self.stop_training = False
        cbs.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            cbs.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}", flush=True)
            bar = Progbar(steps, verbose=verbose, stateful_metrics=names)
            order = rng.permutation(n).astype(np.int64) if shuffle else np.empty(0, np.int64)
            loss_sum, samples, metric_sums = 0.0, 0, [0.0] * len(self._metric_names)
            step, chunk = 0, 1
            while step < steps:
                todo = min(chunk, steps - step)
                if per_batch:
                    cbs.on_train_batch_begin(step)
                t0 = time.perf_counter()
                stats = self._trainer.train(xt, yt, order, batch_size, step, todo)
                elapsed = time.perf_counter() - t0
                if stats.non_finite:
                    raise NonFiniteLossError(
                        f"fit: the loss became NaN or Inf at epoch {epoch + 1}, step "
                        f"{stats.non_finite_step + 1} of {steps}; training stopped before "
                        f"applying that step. Lower the learning rate or check the data.")
                step += stats.steps
                loss_sum += stats.loss_sum
                samples += stats.samples
                metric_sums = [a + b for a, b in zip(metric_sums, stats.metric_sums)]
                logs = self._logs(loss_sum, samples, metric_sums)
                if per_batch:
                    cbs.on_train_batch_end(step - 1, logs)
                else:
                    per_step = elapsed / max(stats.steps, 1)
                    chunk = max(1, int(_CHUNK_SECONDS / max(per_step, 1e-9)))
                bar.update(step, list(logs.items()), finalize=False)
                if self.stop_training:
                    break
            logs = self._logs(loss_sum, samples, metric_sums)
            if val is not None:
                vlogs = self._evaluate_arrays(val[0], val[1], batch_size)
                logs.update({f"val_{k}": v for k, v in vlogs.items()})
            bar.update(step, list(logs.items()), finalize=True)
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end()
        return self.history

    def _logs(self, loss_sum, samples, metric_sums) -> dict:
        d = max(samples, 1)
        logs = {"loss": loss_sum / d}
        logs.update({name: s / d for name, s in zip(self._metric_names, metric_sums)})
        return logs

    def _evaluate_arrays(self, x, y, batch_size) -> dict:
        stats = self._trainer.evaluate(_core.Tensor(x), _core.Tensor(y), batch_size)
        return self._logs(stats.loss_sum, stats.samples, stats.metric_sums)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", return_dict=False):
        """Loss and metrics on (x, y): a list [loss, *metrics] (a float with no metrics), or a
        dict with return_dict=True."""
        where = "evaluate"
        x = data.as_float_array(x, "x", where)
        y = data.as_float_array(y, "y", where)
        data.check_same_length(x, y, where)
        self._ensure_ready(x, where)
        y = data.prepare_targets(y, self.loss, self._output_shape, where)
        logs = self._evaluate_arrays(x, y, int(batch_size or 32))
        if verbose not in (0, False):
            steps = math.ceil(len(x) / int(batch_size or 32))
            Progbar(steps, verbose=1, stateful_metrics=list(logs)).update(
                steps, list(logs.items()), finalize=True)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0) -> np.ndarray:
        """Model outputs for x, batch by batch, in inference mode."""
        x = data.as_float_array(x, "x", "predict")
        self._ensure_ready(x, "predict", need_compile=False)
        trainer = self._trainer or _core.Trainer(self._core_model, _core.Loss("mse"), None, [])
        return np.asarray(trainer.predict(_core.Tensor(x), int(batch_size or 32)))

    def train_on_batch(self, x, y) -> float:
        """One training step on one batch; returns the loss."""
        x = data.as_float_array(x, "x", "train_on_batch")
        y = data.as_float_array(y, "y", "train_on_batch")
        data.check_same_length(x, y, "train_on_batch")
        self._ensure_ready(x, "train_on_batch")
        y = data.prepare_targets(y, self.loss, self._output_shape, "train_on_batch")
        stats = self._trainer.train_batch(_core.Tensor(x), _core.Tensor(y))
        if stats.non_finite:
            raise NonFiniteLossError("train_on_batch: the loss became NaN or Inf")
        return stats.loss_sum / max(stats.samples, 1)

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
