"""fit() and train_on_batch(): the epoch loop over arrays (C++ chunks of steps) or a batch
stream (one C++ step per batch), validation, callbacks and the progress bar. Part of Model
(model.py).

A chunk lasts about 50 ms, or one step when a callback has per-batch hooks or the learning rate
comes from a Python callable: Python only updates the progress bar and calls callbacks between
chunks.
"""

from __future__ import annotations

import time
import warnings

from .. import _core
from ..callbacks import CallbackList, History
from ..errors import NonFiniteLossError
from ..utils.progbar import Progbar
from . import data

_CHUNK_SECONDS = 0.05  # long enough that the Python between chunks costs nothing measurable


class TrainingLoops:
    """fit() and train_on_batch(); validation during fit runs through Inference."""

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train for `epochs` epochs; returns a History whose .history maps names to lists.
        x may be arrays (one, a list or a dict for several inputs; y likewise per output), or a
        generator / iterable of (x, y[, sample_weight]) batches."""
        where = "fit"
        self._check_run("fit")
        self._initial_epoch = None  # a callback (BackupAndRestore) may set it in on_train_begin
        self._fit_data = None  # the arrays' pass order, which BackupAndRestore saves
        if self.built:
            if validation_data is not None or validation_split:
                self._check_forced_training("fit", False)
        if steps_per_epoch is not None and (
            not isinstance(steps_per_epoch, int)
            or isinstance(steps_per_epoch, bool)
            or steps_per_epoch <= 0
        ):
            raise ValueError(
                f"fit: steps_per_epoch must be a positive int or None, got {steps_per_epoch!r}"
            )
        if not isinstance(initial_epoch, int) or initial_epoch < 0:
            raise ValueError(
                f"fit: initial_epoch must be a non-negative int, got {initial_epoch!r}"
            )
        if not isinstance(validation_freq, int) or validation_freq < 1:
            raise ValueError(
                f"fit: validation_freq must be a positive int, got {validation_freq!r}"
            )
        batch_size = data.batch_size_or_default(batch_size, "fit")
        epochs = data.epochs_checked(epochs)
        validation_split = data.validation_split_checked(validation_split)
        validation_batch_size = (
            batch_size
            if validation_batch_size is None
            else data.batch_size_or_default(validation_batch_size, "fit", "validation_batch_size")
        )
        verbose = 1 if verbose == "auto" else int(verbose)
        if self._runs_python_steps("fit"):
            self._require_compiled("fit")
            return self._fit_python(
                x,
                y,
                sample_weight,
                class_weight,
                batch_size,
                epochs,
                verbose,
                {
                    "callbacks": callbacks,
                    "validation_split": validation_split,
                    "validation_data": validation_data,
                    "shuffle": shuffle,
                    "initial_epoch": initial_epoch,
                    "steps_per_epoch": steps_per_epoch,
                    "validation_steps": validation_steps,
                    "validation_batch_size": validation_batch_size,
                    "validation_freq": validation_freq,
                },
            )
        self._require_compiled("fit", need_loss=True)
        dist = getattr(self, "_distribution", None)  # nerve.distributed.distribute(model)
        if data.is_batch_source(x):
            if dist is not None:
                raise ValueError(
                    "fit: under nerve.distributed pass arrays (each rank trains on its part "
                    "of every global batch); generators are not sharded"
                )
            if y is not None or sample_weight is not None:
                raise ValueError(
                    "fit: when x is a generator or iterable of batches, y and "
                    "sample_weight come in the batches; pass y=None"
                )
            if validation_split:
                raise ValueError(
                    "fit: validation_split needs arrays; with a generator pass validation_data"
                )
            val = self._validation_source(validation_data, validation_steps, where)
            stream = data.BatchStream(x, steps_per_epoch, shuffle)
            try:
                steps = len(stream)
            except TypeError:
                steps = None
            return self._fit_loop(
                stream,
                None,
                steps,
                epochs,
                verbose,
                callbacks,
                val,
                initial_epoch,
                class_weight,
                validation_batch_size,
                validation_freq,
            )

        xs, ys, w = self._prepare(x, y, sample_weight, class_weight, where)
        val = self._validation_source(validation_data, validation_steps, where)
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if val is None and validation_split > 0.0:
            n = len(xs[0])
            split = int(n * (1.0 - validation_split))  # Keras: the last samples, unshuffled
            if split == 0 or split == n:
                raise ValueError(
                    f"fit: validation_split={validation_split} leaves no samples "
                    f"on one side for {n} samples"
                )
            # Keras: class_weight weighs the training samples only, sample_weight both sides
            val = (
                "arrays",
                [a[split:] for a in xs],
                [a[split:] for a in ys],
                None if w is None or class_weight is not None else w[split:],
            )
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
            w = None if w is None else w[:split]
        arrays = data.ArrayEpochs(xs, ys, w, batch_size, shuffle, steps_per_epoch)
        if dist is not None:
            verbose, callbacks = dist.begin(self, verbose, callbacks)
            arrays = dist.shard(arrays)
        return self._fit_loop(
            None,
            arrays,
            arrays.steps_per_epoch,
            epochs,
            verbose,
            callbacks,
            val,
            initial_epoch,
            None,
            validation_batch_size,
            validation_freq,
        )

    def _validation_source(self, validation_data, validation_steps, where):
        """("arrays", xs, ys, w) or ("batches", BatchStream) or None."""
        if validation_data is None:
            return None
        if data.is_batch_source(validation_data):
            # Kept across epochs: with validation_steps, each evaluation continues the stream.
            return ("batches", data.BatchStream(validation_data, validation_steps))
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError(
                "fit: validation_data must be a tuple (x_val, y_val) or "
                "(x_val, y_val, val_sample_weight), or an iterable of batches"
            )
        vw = validation_data[2] if len(validation_data) == 3 else None
        vx, vy, vw = self._prepare(
            validation_data[0], validation_data[1], vw, None, where + " (validation_data)"
        )
        return ("arrays", vx, vy, vw)

    def _fit_loop(
        self,
        stream,
        arrays,
        steps,
        epochs,
        verbose,
        callbacks,
        val,
        initial_epoch,
        class_weight,
        val_batch_size,
        validation_freq,
    ):
        """The epoch loop shared by array input (C++ chunks of steps) and batch streams (one
        C++ step per batch)."""
        self.history = History()
        cbs = CallbackList(
            [*(callbacks or []), self.history],
            self,  # History last, as Keras
            {"epochs": epochs, "steps": steps, "verbose": verbose},
        )
        names = self.metrics_names
        shown = 0 if cbs.has_progbar_logger else verbose  # a ProgbarLogger draws the bar
        self.stop_training = False
        self._fit_data = arrays
        cbs.on_train_begin()
        # as Keras: a callback (BackupAndRestore) may set the epoch to start from
        initial_epoch = self._initial_epoch or initial_epoch
        self._initial_epoch = None
        logs = {}
        warned = False  # an overridden test_step's warning, once per fit
        for epoch in range(initial_epoch, epochs):
            for m in self._call_metrics():  # Keras resets the metrics at each epoch's start
                m.reset_state()
            cbs.on_epoch_begin(epoch)
            if shown:
                print(f"Epoch {epoch + 1}/{epochs}", flush=True)
            bar = Progbar(steps, verbose=shown, stateful_metrics=names)
            if arrays is not None:
                stats, step = self._train_array_epoch(arrays, cbs, bar, epoch)
            else:
                if stream.exhausted:
                    warnings.warn(
                        "fit: the input generator ran out of data; training stops "
                        "(use a re-iterable dataset or set steps_per_epoch)",
                        stacklevel=3,
                    )
                    break
                stats, step = self._train_stream_epoch(stream, cbs, bar, epoch, class_weight)
                if step == 0 and stream.exhausted:
                    warnings.warn(
                        "fit: the input generator ran out of data; training stops", stacklevel=3
                    )
                    break
            logs = self._logs(stats)
            if stats.non_finite:
                logs["loss"] = float("nan")
            if val is not None and (epoch + 1) % validation_freq == 0:
                cbs.on_test_begin()
                if self._runs_python_steps("evaluate"):  # an overridden test_step
                    vlogs = self._validate_python(val, val_batch_size, warn=not warned)
                    warned = True
                else:
                    vlogs = self._evaluate_source(val, val_batch_size)
                cbs.on_test_end(vlogs)
                logs.update({f"val_{k}": v for k, v in vlogs.items()})
            bar.update(step, list(logs.items()), finalize=True)
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        self._fit_data = None
        return self.history

    def _train_array_epoch(self, arrays, cbs, bar, epoch):
        """One epoch over arrays in C++ chunks of steps (one step per chunk when a callback or a
        Python learning-rate callable needs every step)."""
        per_batch = cbs.wants_batches or self.optimizer._steps_in_python
        dist = getattr(self, "_distribution", None)
        first, todo_total, order = arrays.next_epoch()
        stats = shown = _core.Stats()  # shown: summed over the ranks under nerve.distributed
        step, chunk = 0, 1
        while step < todo_total:
            todo = min(chunk, todo_total - step)
            cbs.on_train_batch_begin(step)
            self.optimizer._sync_python_schedule()
            t0 = time.perf_counter()
            chunk_stats = self._trainer.train(
                arrays.xt, arrays.yt, arrays.wt, order, arrays.batch_size, first + step, todo
            )
            elapsed = time.perf_counter() - t0
            stats.merge(chunk_stats)
            step += chunk_stats.steps
            shown = stats if dist is None else dist.global_stats(stats)
            if chunk_stats.non_finite:
                self._non_finite(
                    shown, cbs, epoch, first + chunk_stats.non_finite_step, arrays.steps_per_epoch
                )
                break
            logs = self._logs(shown)
            cbs.on_train_batch_end(step - 1, logs)
            if not per_batch:
                per_step = elapsed / max(chunk_stats.steps, 1)
                chunk = max(1, int(_CHUNK_SECONDS / max(per_step, 1e-9)))
            if dist is not None:  # every rank must run the same steps
                chunk, self.stop_training = dist.agree(chunk, self.stop_training)
            bar.update(step, list(logs.items()), finalize=False)
            if self.stop_training:
                break
        return shown, step

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
                f"the data."
            )

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns this batch's loss (and metrics: a list
        [loss, *output losses, *metrics], or a dict with return_dict=True)."""
        self._check_run("train_on_batch")
        if self._runs_python_steps("train_on_batch"):
            self._require_compiled("train_on_batch")
            return self._on_batch_python(
                "train_on_batch", x, y, sample_weight, class_weight, return_dict
            )
        self._require_compiled("train_on_batch", need_loss=True)
        batch = self._simple_batch_tensors(x, y, sample_weight, class_weight)
        if batch is None:
            batch = self._batch_tensors((x, y, sample_weight), class_weight, "train_on_batch", 0)
        xt, yt, wt = batch
        self.optimizer._sync_python_schedule()
        stats = self._trainer.train_batch(xt, yt, wt)
        if stats.non_finite:
            raise NonFiniteLossError(
                "train_on_batch: the loss became NaN or Inf; the step was not applied"
            )
        return self._batch_result(stats, return_dict)
