"""TensorBoard: Keras's callback, writing TensorBoard event files without TensorFlow."""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

from ..optimizers.base import Optimizer
from ..utils.keras_args import UnsupportedArgumentError, reject_unsupported
from . import _event_file as ef
from ._keras_graph import keras_model_json
from ._png import encode_png
from ._weight_paths import weight_paths
from .callback import Callback

# tf.summary.image's default max_outputs, which Keras's callback leaves in place
_MAX_IMAGES = 3


def _count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"TensorBoard: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _profile_range(profile_batch):
    """Keras's forms: an int, a (start, stop) pair, or the string "start,stop"."""
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(p) for p in value.split(",")]
        except ValueError:
            value = None
        if value is not None and len(value) == 1:
            value = value[0]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        start = stop = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        start, stop = value
    else:
        start = stop = -1
    if not all(isinstance(v, (int, np.integer)) for v in (start, stop)) or not 0 <= start <= stop:
        raise ValueError(
            "TensorBoard: profile_batch must be a non-negative integer or a pair of positive "
            f"integers (start, stop), got {profile_batch!r}"
        )
    return start, stop


def _check_log_dir(log_dir: str) -> None:
    """Refuse at once a log_dir that can never be a directory (it, or a folder above it, is a
    file); other failures (permissions, a full disk) surface when the first file is opened."""
    path = os.path.abspath(log_dir)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent
    if not os.path.isdir(path):
        raise NotADirectoryError(
            f"TensorBoard: cannot write to log_dir {log_dir!r}: {path!r} is a file, not a directory"
        )


def _weight_image(weight: np.ndarray):
    """Keras's `_log_weight_as_image`: the weight squeezed, a bias as a column, a matrix laid
    wide, a 3-D kernel as one image per output channel; a batch of images (N, H, W, C) with C in
    (1, 3, 4), or None for shapes Keras does not draw."""
    w = np.squeeze(weight)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:  # channels_last: one image per kernel
        w = np.transpose(w, (2, 0, 1))
        w = w.reshape(*w.shape, 1)
    if w.ndim != 4 or w.shape[-1] not in (1, 3, 4):
        return None
    # tf.summary.image's conversion (convert_image_dtype with saturate=True): floats are taken
    # as [0, 1] and clipped, not rescaled, so negative weights draw black, as in Keras
    return np.clip(np.asarray(w, np.float64) * 255.5, 0, 255).astype(np.uint8)


class TensorBoard(Callback):
    """Writes logs for TensorBoard (`tensorboard --logdir LOG_DIR`), in Keras's layout, without
    TensorFlow: event files under `log_dir/train` and `log_dir/validation`; per-epoch scalars
    `epoch_<metric>` (and `epoch_learning_rate`), validation metrics under the same tags in
    `validation`; `evaluation_<metric>_vs_iterations` after each evaluation; `batch_<metric>`
    every `update_freq` batches ("batch" is 1; fit then runs one step per C++ call); every
    `histogram_freq` epochs a histogram `<weight path>/histogram` per weight, and with
    `write_images` the weight drawn as `<weight path>/image`; with `write_graph`, the layer
    graph of a Sequential or functional model (tag "keras"), as Keras writes it.

    `profile_batch` and `embeddings_freq` must stay 0 (and `embeddings_metadata` None): nerve
    has no profiler trace or projector checkpoint to write, and raises UnsupportedArgumentError
    rather than silently writing nothing.
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _count(histogram_freq, "histogram_freq", 0)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch":
            if isinstance(update_freq, str):
                raise ValueError(
                    f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive number "
                    f"of batches, got {update_freq!r}"
                )
            update_freq = _count(update_freq, "update_freq", 1)
        self.update_freq = update_freq
        if _profile_range(profile_batch) != (0, 0):
            raise UnsupportedArgumentError(
                f"TensorBoard: profile_batch={profile_batch!r} is not supported: nerve has no "
                f"profiler trace to write; use profile_batch=0"
            )
        self.profile_batch = profile_batch
        self.embeddings_freq = _count(embeddings_freq, "embeddings_freq", 0)
        # Keras reads embeddings_metadata only for embeddings_freq > 0; refusing both beats
        # accepting a metadata file that nothing uses
        reject_unsupported(
            "TensorBoard (nerve writes no projector checkpoints)",
            TensorBoard.__init__,
            embeddings_freq=self.embeddings_freq,
            embeddings_metadata=embeddings_metadata,
        )
        self.embeddings_metadata = embeddings_metadata
        _check_log_dir(self.log_dir)
        self._writers = {}
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._previous_epoch_iterations = 0

    @property
    def wants_batches(self) -> bool:
        return self.update_freq != "epoch"

    # ---- writers ----------------------------------------------------------------------------
    def _writer(self, kind: str) -> ef.EventFileWriter:
        """The event file of `train` or `validation`, opened on first use as in Keras."""
        w = self._writers.get(kind)
        if w is None or w.closed:
            w = self._writers[kind] = ef.EventFileWriter(os.path.join(self.log_dir, kind))
        return w

    def _close_writers(self) -> None:
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()

    # ---- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        train = self._writer("train")  # an unwritable log_dir fails here, before any step
        if self.write_graph:
            self._write_graph(train)
        train.flush()

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or optimizer is None or not hasattr(optimizer, "iterations"):
            return
        step = int(optimizer.iterations)
        val = self._writer("validation")
        val.add(step, self._scalars("evaluation_{}_vs_iterations", logs))
        val.flush()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        step = self._global_train_batch
        scalars = {}
        if self.write_steps_per_second:
            scalars["steps_per_second"] = 1.0 / max(time.time() - self._batch_start_time, 1e-9)
        scalars.update(logs or {})
        self._writer("train").add(step, self._scalars("batch_{}", scalars))

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(self.model.optimizer.iterations)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # ---- what is written -------------------------------------------------------------------
    @staticmethod
    def _scalars(tag_format: str, logs: dict) -> list[bytes]:
        values = []
        for name, value in logs.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise TypeError(
                    f"TensorBoard: the log {name!r} is {value!r}, not a number; only "
                    f"scalars can be written as TensorBoard scalars"
                ) from None
            values.append(ef.value_simple(tag_format.format(name), number))
        return values

    def _log_epoch_metrics(self, epoch: int, logs) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        # Keras adds the optimizer's current learning rate to the training scalars
        optimizer = getattr(self.model, "optimizer", None)
        if isinstance(optimizer, Optimizer):
            train_logs["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            steps = int(self.model.optimizer.iterations) - self._previous_epoch_iterations
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = steps / elapsed
        if train_logs:
            train = self._writer("train")
            train.add(epoch, self._scalars("epoch_{}", train_logs))
            train.flush()
        if val_logs:
            val = self._writer("validation")
            val.add(epoch, self._scalars("epoch_{}", val_logs))
            val.flush()

    def _log_weights(self, epoch: int) -> None:
        train = self._writer("train")
        for path, weight in weight_paths(self.model):
            array = np.asarray(weight)
            train.add(epoch, [ef.value_histogram(f"{path}/histogram", ef.histogram_proto(array))])
            if self.write_images:
                self._log_weight_as_image(train, array, f"{path}/image", epoch)
        train.flush()

    @staticmethod
    def _log_weight_as_image(writer, weight: np.ndarray, tag: str, epoch: int) -> None:
        images = _weight_image(weight)
        if images is None:
            return
        images = images[:_MAX_IMAGES]
        _, height, width, channels = images.shape
        pngs = [encode_png(img) for img in images]
        if len(pngs) == 1:
            value = ef.value_image(tag, ef.image_proto(height, width, channels, pngs[0]))
        else:
            # Several images under one tag exist only in tf.summary.image's tensor form:
            # [width, height, png, png, ...] with the "images" plugin's metadata.
            tensor = ef.string_tensor(
                [str(width).encode(), str(height).encode(), *pngs], [2 + len(pngs)]
            )
            metadata = ef.summary_metadata("images", data_class=ef.DATA_CLASS_BLOB_SEQUENCE)
            value = ef.value_tensor(tag, tensor, metadata)
        writer.add(epoch, [value])

    def _write_graph(self, writer) -> None:
        try:
            graph = keras_model_json(self.model)
        except Exception as e:  # Keras too only warns when a model cannot be serialized
            warnings.warn(
                f"TensorBoard: model failed to serialize as JSON. Ignoring... {e}", stacklevel=2
            )
            return
        if graph is None:
            return
        metadata = ef.summary_metadata("graph_keras_model", content=b"1")
        tensor = ef.string_tensor([graph.encode("utf-8")], [])
        writer.add(0, [ef.value_tensor("keras", tensor, metadata)])
