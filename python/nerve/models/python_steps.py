"""fit / evaluate / predict (and their one-batch forms) for a model whose steps are Python code
(an overridden train_step, test_step, predict_step, compute_loss or compute_metrics;
step_hooks.py): the same epochs, batches, callbacks, progress bar and History as the C++ loops.
Part of Model (model.py).

fit and evaluate over arrays first trace the overridden train_step / test_step into a C++
StepProgram (step_tracing.py), once per input shapes, trainable weights and compiled objects, and
then run chunks of steps in C++ as the built-in loop does (callbacks and the progress bar see
each chunk's last logs); batches from a generator run one traced step per C++ call (traced once
per batch shapes). Where the step cannot be traced, each batch reaches the step from Python as
nerve.Tensor, laid out as Keras does (x, (x, y) or (x, y, sample_weight)), and fit says why once,
in a warning; the step's returned dict is the logs. Per step Python then only slices the batch
out of the arrays and turns the logs into floats; the step's ops run in C++.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .. import _core
from ..callbacks import CallbackList, History
from ..utils.batch_structure import pack_x_y_sample_weight
from ..utils.progbar import Progbar
from . import data, step_tracing

_CHUNK_SECONDS = 0.05  # as the built-in loop (training.py): Python between chunks costs ~nothing


class PythonStepLoops:
    """The loops that call Python steps (see the module docstring)."""

    # ---- fit ----------------------------------------------------------------------------------
    def _fit_python(self, x, y, sample_weight, class_weight, batch_size, epochs, verbose, options):
        """fit() through train_step; `options` holds fit's other arguments by name."""
        traced, stream = None, None
        if data.is_batch_source(x):
            stream = [True]  # whether to warn still, when a batch's step cannot be traced
            if y is not None or sample_weight is not None:
                raise ValueError(
                    "fit: when x is a generator or iterable of batches, y and "
                    "sample_weight come in the batches; pass y=None"
                )
            if options["validation_split"]:
                raise ValueError(
                    "fit: validation_split needs arrays; with a generator pass validation_data"
                )
            batches = _StreamBatches(
                data.BatchStream(x, options["steps_per_epoch"], options["shuffle"]),
                class_weight=class_weight,
            )
            val = options["validation_data"]
        else:
            xs, ys, w = _step_arrays(x, y, sample_weight, class_weight, "fit")
            val = options["validation_data"]
            split = options["validation_split"]
            if not 0.0 <= split < 1.0:
                raise ValueError(f"fit: validation_split must be in [0, 1), got {split}")
            if val is None and split > 0.0:
                n = _length(xs)
                cut = int(n * (1.0 - split))  # Keras: the last samples, unshuffled
                if cut in (0, n):
                    raise ValueError(
                        f"fit: validation_split={split} leaves no samples on one side for "
                        f"{n} samples"
                    )
                val = (
                    _rows(xs, slice(cut, None)),
                    _rows(ys, slice(cut, None)),
                    None if w is None or class_weight is not None else w[cut:],
                )
                xs, ys = _rows(xs, slice(None, cut)), _rows(ys, slice(None, cut))
                w = None if w is None else w[:cut]
            batches = _ArrayBatches(
                xs, ys, w, batch_size, options["shuffle"], options["steps_per_epoch"]
            )
            traced, reason = self._traced_step("train_step", batches.whole())
            if traced is None:
                warnings.warn(self._python_step_reason("fit", reason), stacklevel=3)
        steps = batches.steps
        self.history = History()
        cbs = CallbackList(
            [*(options["callbacks"] or []), self.history],
            self,
            {"epochs": epochs, "steps": steps, "verbose": verbose},
        )
        shown = 0 if cbs.has_progbar_logger else verbose  # a ProgbarLogger draws the bar
        self.stop_training = False
        # the arrays' pass order, which BackupAndRestore saves
        self._fit_data = batches if isinstance(batches, data.PassOrder) else None
        cbs.on_train_begin()
        # as Keras: a callback (BackupAndRestore) may set the epoch to start from
        initial_epoch = getattr(self, "_initial_epoch", None) or options["initial_epoch"]
        self._initial_epoch = None
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            if shown:
                print(f"Epoch {epoch + 1}/{epochs}", flush=True)
            bar = Progbar(steps, verbose=shown, stateful_metrics=None)
            step, step_logs = 0, {}
            if traced is not None:
                step, step_logs = self._traced_epoch(traced, batches, cbs, bar, "train")
            for batch in () if traced is not None else batches.epoch():
                cbs.on_train_batch_begin(step)
                self.optimizer._sync_python_schedule()
                step_logs = (
                    self._stream_step("train_step", batch, "fit", stream)
                    if stream
                    else _pythonify(self.train_step(batch))
                )
                step += 1
                cbs.on_train_batch_end(step - 1, step_logs)
                bar.stateful_metrics = set(step_logs)
                bar.update(step, list(step_logs.items()), finalize=False)
                if self.stop_training:
                    break
            if step == 0:
                warnings.warn("fit: the input data gave no batches; training stops", stacklevel=3)
                break
            logs = self._metrics_result_or(step_logs)
            if val is not None and (epoch + 1) % options["validation_freq"] == 0:
                vx, vy, vw = _as_evaluate_args(val)
                vlogs = self.evaluate(
                    vx,
                    vy,
                    sample_weight=vw,
                    batch_size=options["validation_batch_size"] or batch_size,
                    steps=options["validation_steps"],
                    verbose=0,
                    return_dict=True,
                    _warn=False,
                )
                logs.update({f"val_{k}": v for k, v in vlogs.items()})
            bar.update(step, list(logs.items()), finalize=True)
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        self._fit_data = None
        return self.history

    # ---- traced steps -------------------------------------------------------------------------
    def _traced_step(self, step: str, batch):
        """(the C++ program of `step` for batches shaped as `batch`, None), traced once per
        step_tracing.step_key; or (None, the reason it cannot be traced)."""
        key = step_tracing.step_key(self, step, batch)
        cache = self.__dict__.setdefault("_traced_steps", {})
        found = cache.get(key)
        if found is None:
            try:
                found = step_tracing.trace_step(self, step, batch)
            except step_tracing.StepNotTraceable as e:
                found = str(e)
            cache[key] = found
        if isinstance(found, step_tracing.TracedStep):
            return found, None
        return None, found

    def _stream_step(self, step: str, batch, where: str, warn: list) -> dict:
        """One batch from a generator: its traced step (traced once per batch shapes), or the
        Python step, saying why the first time (warn[0]) in this run."""
        traced, reason = self._traced_step(step, batch)
        if traced is not None:
            return traced.run_batch(batch)
        if warn[0]:
            warnings.warn(self._python_step_reason(where, reason), stacklevel=4)
            warn[0] = False
        return _pythonify(getattr(self, step)(batch))

    def _traced_epoch(self, traced, batches, cbs, bar, kind: str):
        """One epoch of a traced step over `batches` (_ArrayBatches) in C++ chunks of steps: one
        step per chunk when a callback needs every batch, else chunks of about 50 ms. Returns
        (steps run, the last step's logs)."""
        arrays = batches.whole_tensors()
        per_batch = cbs.wants_batches if kind == "train" else bool(cbs.callbacks)
        begin = cbs.on_train_batch_begin if kind == "train" else cbs.on_test_batch_begin
        end = cbs.on_train_batch_end if kind == "train" else cbs.on_test_batch_end
        step, chunk, logs = 0, 1, {}
        for order, take in batches.segments():
            done = 0
            while done < take:
                n = min(chunk, take - done)
                begin(step)
                t0 = time.perf_counter()
                logs = traced.run_chunk(arrays, order, batches.batch_size, batches.position, n)
                elapsed = time.perf_counter() - t0
                batches.position += n
                done += n
                step += n
                end(step - 1, logs)
                if not per_batch:
                    chunk = max(1, int(_CHUNK_SECONDS / max(elapsed / n, 1e-9)))
                if bar is not None:
                    bar.stateful_metrics = set(logs)
                    bar.update(step, list(logs.items()), finalize=False)
                if kind == "train" and self.stop_training:
                    return step, logs
        return step, logs

    def _metrics_result_or(self, logs: dict) -> dict:
        """Keras: the metrics' results when the step's logs have the same keys (the step reports
        self.metrics), else the last step's logs as they are."""
        results = _pythonify(self.get_metrics_result())
        return results if set(results) == set(logs) else dict(logs)

    # ---- evaluate -----------------------------------------------------------------------------
    def _evaluate_python(self, x, y, sample_weight, batch_size, steps, verbose, callbacks, warn):
        """evaluate() through test_step: the metrics are reset first, the last step's logs (or
        the metrics' results) are the answer."""
        traced, reason, stream = None, None, None
        if data.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError(
                    "evaluate: with an iterable of batches, y and sample_weight "
                    "come in the batches; pass y=None"
                )
            batches = _StreamBatches(data.BatchStream(x, steps))
            if self._overridden_hooks("evaluate") or self.loss is not None:
                stream = [warn]  # each batch's step traced (for its shapes)
            else:
                reason = "it was compiled without a loss (Keras's default test_step runs)"
        else:
            xs, ys, w = _step_arrays(x, y, sample_weight, None, "evaluate")
            batches = _ArrayBatches(xs, ys, w, batch_size, False, None)
            if steps is not None:
                batches.steps = min(batches.steps, int(steps))
            if not self._overridden_hooks("evaluate") and self.loss is None:
                # the default test_step without a loss
                reason = "it was compiled without a loss (Keras's default test_step runs)"
            else:
                traced, reason = self._traced_step("test_step", batches.whole())
        if warn and traced is None and stream is None:
            warnings.warn(self._python_step_reason("evaluate", reason), stacklevel=4)
        cbs = CallbackList(callbacks or [], self, {"steps": batches.steps, "verbose": verbose})
        bar = Progbar(batches.steps, verbose=verbose) if verbose else None
        self.reset_metrics()
        cbs.on_test_begin()
        logs, step = {}, 0
        if traced is not None:
            step, logs = self._traced_epoch(traced, batches, cbs, bar, "test")
        for batch in () if traced is not None else batches.epoch():
            if step == batches.steps:
                break
            cbs.on_test_batch_begin(step)
            logs = (
                self._stream_step("test_step", batch, "evaluate", stream)
                if stream
                else _pythonify(self.test_step(batch))
            )
            step += 1
            cbs.on_test_batch_end(step - 1, logs)
            if bar is not None:
                bar.stateful_metrics = set(logs)
                bar.update(step, list(logs.items()), finalize=False)
        if step == 0:
            raise ValueError("evaluate: the data gave no batches")
        logs = self._metrics_result_or(logs)
        if bar is not None:
            bar.target = bar.target or step
            bar.update(step, list(logs.items()), finalize=True)
        cbs.on_test_end(logs)
        return logs

    def _validate_python(self, source, batch_size, warn) -> dict:
        """The built-in fit's validation through an overridden test_step; `source` is what
        the C++ loop validates with: ("arrays", xs, ys, w) or ("batches", BatchStream)."""
        if source[0] == "batches":
            stream = source[1]
            return self._evaluate_python(
                stream.source, None, None, None, stream.steps_per_epoch, 0, None, warn
            )
        _, xs, ys, w = source
        x = xs[0] if len(xs) == 1 else xs
        y = ys[0] if len(ys) == 1 else ys
        return self._evaluate_python(x, y, w, batch_size, None, 0, None, warn)

    def _flatten_logs(self, logs: dict):
        """Keras's evaluate / *_on_batch list: the metrics' order first, then the other keys
        sorted; one value alone is returned as it is."""
        if self._output_keys is not None:  # a dict of outputs: the losses first (Keras)
            return self._log_values(logs)
        names = list(self.get_metrics_result())
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    # ---- predict ------------------------------------------------------------------------------
    def _predict_python(self, x, batch_size, steps, verbose):
        """predict() through predict_step: the outputs of the batches, concatenated."""
        warnings.warn(self._python_step_reason("predict"), stacklevel=3)
        if data.is_batch_source(x):
            batches = _StreamBatches(data.BatchStream(x, steps), inputs_only=True)
        else:
            xs, _, _ = _step_arrays(x, None, None, None, "predict")
            batches = _ArrayBatches(xs, None, None, batch_size, False, None)
            if steps is not None:
                batches.steps = min(batches.steps, int(steps))
        bar = Progbar(batches.steps, verbose=verbose) if verbose else None
        outputs, step = [], 0
        for batch in batches.epoch():
            if step == batches.steps:
                break
            outputs.append(_to_numpy(self.predict_step(batch)))
            step += 1
            if bar is not None:
                bar.update(step, finalize=False)
        if not outputs:
            raise ValueError("predict: the data gave no batches")
        if bar is not None:
            bar.target = bar.target or step
            bar.update(step, finalize=True)
        result = _concatenate(outputs)
        if isinstance(result, dict) and self._output_keys is not None:
            result = {k: result[k] for k in sorted(result)}  # Keras's predict sorts the keys
        return result

    # ---- one batch ----------------------------------------------------------------------------
    def _on_batch_python(self, where, x, y, sample_weight, class_weight, return_dict):
        """train_on_batch / test_on_batch through the step: the metrics keep running (Keras
        does not reset them here)."""
        xs, ys, w = _step_arrays(x, y, sample_weight, class_weight, where)
        batch = pack_x_y_sample_weight(
            _tensors(xs), _tensors(ys), None if w is None else _core.Tensor(w)
        )
        step = self.train_step if where == "train_on_batch" else self.test_step
        logs = _pythonify(step(batch))
        return logs if return_dict else self._flatten_logs(logs)


# ---- batches ---------------------------------------------------------------------------------


class _ArrayBatches(data.PassOrder):
    """Batches of in-memory arrays (one array, a list or a dict per x and y), reshuffled at
    each pass; with steps_per_epoch, epochs take that many steps from the current pass and a
    new pass starts when it is used up (Keras, as the C++ loop's ArrayEpochs)."""

    def __init__(self, xs, ys, w, batch_size, shuffle, steps_per_epoch):
        self.xs, self.ys, self.w = xs, ys, w
        self.n = _length(xs)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.pass_steps = math.ceil(self.n / batch_size)
        self.steps = steps_per_epoch or self.pass_steps
        self.rng = np.random.default_rng(_core.next_seed())
        self.position = self.pass_steps
        self.order = None

    def whole(self):
        """The whole arrays, packed as a batch is (what a step is traced for)."""
        return pack_x_y_sample_weight(
            _rows(self.xs, slice(None)),
            None if self.ys is None else _rows(self.ys, slice(None)),
            self.w,
        )

    def whole_tensors(self) -> list:
        """The whole arrays as nerve.Tensor, in a traced step's input order (made once)."""
        if getattr(self, "_tensors", None) is None:
            leaves, _ = step_tracing.flatten_batch(self.whole())
            self._tensors = [
                _core.Tensor(np.ascontiguousarray(a, dtype=np.float32)) for a in leaves
            ]
        return self._tensors

    def segments(self):
        """An epoch as (order, batches) runs within one pass over the data: batches
        self.position .. of `order` (None: in order). The consumer advances self.position."""
        left = self.steps
        while left > 0:
            if self.position >= self.pass_steps:
                self.order = self._new_pass()
            before = self.position
            yield self.order, min(left, self.pass_steps - self.position)
            left -= self.position - before

    def epoch(self):
        for _ in range(self.steps):
            if self.position >= self.pass_steps:
                self.order = self._new_pass()
            start = self.position * self.batch_size
            stop = min(start + self.batch_size, self.n)
            rows = slice(start, stop) if self.order is None else self.order[start:stop]
            self.position += 1
            yield pack_x_y_sample_weight(
                _tensors(_rows(self.xs, rows)),
                None if self.ys is None else _tensors(_rows(self.ys, rows)),
                None if self.w is None else _core.Tensor(np.ascontiguousarray(self.w[rows])),
            )


class _StreamBatches:
    """The batches of a generator or iterable, with their arrays made nerve.Tensor."""

    def __init__(self, stream, inputs_only: bool = False, class_weight=None):
        self.stream = stream
        self.inputs_only = inputs_only
        self.class_weight = class_weight
        try:
            self.steps = len(stream)
        except TypeError:
            self.steps = None

    def epoch(self):
        for i, batch in enumerate(self.stream.epoch()):
            if self.inputs_only and isinstance(batch, tuple) and len(batch) in (1, 2, 3):
                batch = batch[0] if len(batch) > 1 else batch  # Keras' predict reads only x
            elif self.class_weight is not None:  # Keras: class weights become sample weights
                x, y, w = data.unpack_batch(batch, "fit", i)
                if y is None:
                    raise ValueError(f"fit (batch {i}): class_weight needs targets in the batch")
                y = data.as_float_array(y, "y", f"fit (batch {i})")
                batch = (x, y, data.sample_weights(w, self.class_weight, y, f"fit (batch {i})"))
            yield _tensors(batch)


# ---- arrays and structures -------------------------------------------------------------------


def _step_arrays(x, y, sample_weight, class_weight, where):
    """float32 arrays of x and y (one array, a list or a dict of them, kept as given), and the
    per-sample weights (from sample_weight or class_weight), with equal lengths checked."""
    xs = _float_arrays(x, "x", where)
    ys = None if y is None else _float_arrays(y, "y", where)
    n = _length(xs)
    for part, what in ((xs, "x"), (ys, "y")):
        for a in _leaves(part):
            if len(a) != n:
                raise ValueError(
                    f"{where}: {what} has an array of {len(a)} samples, and x of {n}; they must "
                    f"have the same length"
                )
    if class_weight is not None and (ys is None or isinstance(ys, (list, tuple, dict))):
        raise ValueError(f"{where}: class_weight needs one array of targets y")
    w = data.sample_weights(
        sample_weight, class_weight, ys if ys is not None else np.empty((n,)), where
    )
    return xs, ys, w


def _float_arrays(value, what, where):
    if isinstance(value, dict):
        return {k: data.as_float_array(v, f"{what}[{k!r}]", where) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        return [data.as_float_array(v, f"{what}[{i}]", where) for i, v in enumerate(value)]
    return data.as_float_array(value, what, where)


def _leaves(part) -> list:
    if part is None:
        return []
    if isinstance(part, dict):
        return list(part.values())
    return list(part) if isinstance(part, (list, tuple)) else [part]


def _length(part) -> int:
    return len(_leaves(part)[0])


def _rows(part, rows):
    if part is None:
        return None
    if isinstance(part, dict):
        return {k: v[rows] for k, v in part.items()}
    if isinstance(part, (list, tuple)):
        return [v[rows] for v in part]
    return part[rows]


def _tensors(part):
    """numpy arrays (also nested in lists, tuples and dicts) as nerve.Tensor (float32)."""
    if isinstance(part, _core.Tensor) or part is None:
        return part
    if isinstance(part, dict):
        return {k: _tensors(v) for k, v in part.items()}
    if isinstance(part, (list, tuple)):
        return type(part)(_tensors(v) for v in part)
    if isinstance(part, np.ndarray) or hasattr(part, "__array__"):
        return _core.Tensor(np.ascontiguousarray(part, dtype=np.float32))
    return part


def _as_evaluate_args(val):
    """(x, y, sample_weight) for evaluate from fit's validation data."""
    if data.is_batch_source(val):
        return val, None, None
    if not isinstance(val, (tuple, list)) or len(val) not in (2, 3):
        raise ValueError(
            "fit: validation_data must be a tuple (x_val, y_val) or "
            "(x_val, y_val, val_sample_weight), or an iterable of batches"
        )
    return val[0], val[1], val[2] if len(val) == 3 else None


def _pythonify(logs) -> dict:
    """A step's logs as floats (Keras' pythonify_logs): tensors and numpy values of one element
    become floats, nested dicts are flattened."""
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError(
            f"a training or test step must return a dict of metric values, got "
            f"{type(logs).__name__}"
        )
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(_pythonify(value))
            continue
        if isinstance(value, _core.Tensor):
            value = value.item() if int(np.prod(value.shape)) == 1 else np.array(value)
        elif isinstance(value, np.ndarray):
            value = value.item() if value.size == 1 else value
        if isinstance(value, (np.floating, np.integer)):
            value = value.item()
        out[key] = float(value) if isinstance(value, (int, float)) else value
    return out


def _to_numpy(outputs):
    if isinstance(outputs, dict):
        return {k: _to_numpy(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return [_to_numpy(v) for v in outputs]
    return np.array(outputs)


def _concatenate(batches):
    first = batches[0]
    if isinstance(first, dict):
        return {k: _concatenate([b[k] for b in batches]) for k in first}
    if isinstance(first, list):
        return [_concatenate([b[i] for b in batches]) for i in range(len(first))]
    return np.concatenate(batches, axis=0)
