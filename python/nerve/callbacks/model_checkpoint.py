from __future__ import annotations

import os

from ..saving.saving_lib import check_filepath
from .monitor_callback import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Saves the model (model.save(path)) or its weights (model.save_weights(path)) after every
    epoch, or every `save_freq` batches; with save_best_only only when `monitor` improved.
    `filepath` may hold format fields: "{epoch:02d}-{val_loss:.3f}.nerve". It must end in .nerve
    or .keras (a Keras 3 archive; .weights.nerve with save_weights_only), as Keras insists on
    .keras (.weights.h5); Keras' .h5 formats are refused since nerve does not write those."""

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode)
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                f"ModelCheckpoint: save_freq must be 'epoch' or a positive int, got {save_freq!r}"
            )
        self.filepath = check_filepath(filepath, bool(save_weights_only), "ModelCheckpoint")
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._batches_seen = 0
        self._current_epoch = 0

    @property
    def wants_batches(self) -> bool:
        return self.save_freq != "epoch"

    def on_train_begin(self, logs=None):
        method = "save_weights" if self.save_weights_only else "save"
        if not callable(getattr(self.model, method, None)):
            raise TypeError(f"ModelCheckpoint: the model has no {method}() method")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._current_epoch, logs, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _save(self, epoch, logs, batch=None):
        logs = dict(logs or {})
        path = self.filepath.format(epoch=epoch + 1, batch=(batch or 0) + 1, **logs)
        if self.save_best_only:
            current = self.get_monitor_value(logs)
            if current is None:
                return
            # Keras 3's wording: no best yet reads "None", values have 5 decimals.
            best = "None" if self.best is None else f"{self.best:.5f}"
            if not self._is_improvement(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
                return
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {path}"
                )
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")
