"""BackupAndRestore: resume an interrupted fit from its last backup (Keras 3's callback)."""

from __future__ import annotations

import os
import shutil

from ..errors import ModelFileError
from ..saving.saving_lib import load_training_state, save_training_state
from .callback import Callback


class BackupAndRestore(Callback):
    """Backs up the training state (weights, optimizer state, a float learning rate, the epoch
    reached) in `backup_dir` at the end of every epoch, or every `save_freq` batches; a fit run
    again after an interruption (an exception, a killed process) restores that state when it
    begins and resumes at the epoch after the backup, as Keras does: the returned History holds
    the epochs run by this fit only. With epoch backups and the same arrays the resumed fit ends with the
    weights, optimizer state and epoch logs of an uninterrupted one (seeded alike, with
    nerve.utils.set_random_seed): the backup also holds where fit's shuffled passes over the
    arrays stand (Keras's does not, so a resumed Keras fit shuffles afresh); a batch generator
    starts over. Dropout's random draws are not restored. A backup taken every `save_freq`
    batches resumes, as in Keras, at the start of the epoch it was taken in (its weights, that
    epoch run again from its first batch).

    The backup is one file, `backup_dir/latest.weights.nerve` (Keras: `latest.weights.h5` and
    `training_metadata.json`), written to a temporary file then renamed over the old one, so an
    interruption while saving leaves the previous backup whole. double_checkpoint=True keeps
    the previous backup too (`latest.weights.nerve.bkp`) and falls back on it when the latest
    cannot be read. delete_checkpoint=True removes the backup once fit ends normally (Keras
    removes the whole `backup_dir`; nerve removes its files, then the folder when empty)."""

    def __init__(
        self,
        backup_dir,
        save_freq="epoch",
        double_checkpoint=False,
        delete_checkpoint=True,
    ):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq is False:
            raise ValueError(
                "BackupAndRestore: save_freq=False is for Keras's preemption checkpointing "
                "(save_before_preemption, TensorFlow only), which nerve does not have; pass "
                "'epoch' or a positive number of batches"
            )
        if save_freq != "epoch" and (
            not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq <= 0
        ):
            raise ValueError(
                "Invalid value for argument `save_freq`. "
                f"Received: save_freq={save_freq}. "
                "Expected either 'epoch' or a positive integer value."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.nerve")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._epoch_start_order = None

    @property
    def wants_batches(self) -> bool:
        return self.save_freq != "epoch"

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you "
                f"call `fit()`. Model {self.model.name!r} is unbuilt. You can build it "
                "beforehand by calling it on a batch of data."
            )
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self._epoch_start_order = None
        try:
            self._load_model(self._weights_path)
        except (OSError, ModelFileError):
            # The latest backup is damaged: the one before it, if kept.
            if not os.path.exists(self._prev_weights_path):
                raise
            self._load_model(self._prev_weights_path)

    def _load_model(self, path):
        if not os.path.exists(path):
            return

        metadata = load_training_state(self.model, path)
        self._current_epoch = metadata["epoch"]
        self.model._initial_epoch = metadata["epoch"]
        source = self._data_source()
        if source is not None and metadata.get("data_order") is not None:
            source.restore_order_state(metadata["data_order"])

    def _data_source(self):
        """fit's in-memory arrays (their shuffled pass order), or None (a batch stream)."""
        return getattr(self.model, "_fit_data", None)

    def on_epoch_begin(self, epoch, logs=None):
        # a backup inside this epoch resumes at its start (Keras counts only the epochs ended,
        # so such a backup of a fit begun at initial_epoch > 0 would restart it at epoch 0)
        self._current_epoch = epoch
        source = self._data_source()
        self._epoch_start_order = None if source is None else source.order_state()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model(epoch_end=True)

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch_end=False):

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            tmp = self._prev_weights_path + ".tmp"
            shutil.copyfile(self._weights_path, tmp)
            os.replace(tmp, self._prev_weights_path)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        source = self._data_source()
        if source is not None:
            # nerve: where the shuffled passes over the arrays stand, so that the resumed fit
            # takes the batches the uninterrupted one would; a backup inside an epoch resumes
            # at that epoch's start (as Keras), so its order as the epoch began
            metadata["data_order"] = source.order_state() if epoch_end else self._epoch_start_order
        save_training_state(self.model, self._weights_path, metadata)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for path in (self._weights_path, self._prev_weights_path):
            if os.path.exists(path):
                os.remove(path)
        try:
            os.rmdir(self.backup_dir)
        except OSError:
            pass  # absent, or holds other files
