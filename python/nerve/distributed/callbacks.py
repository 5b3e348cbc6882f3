"""Callbacks for data-parallel training (Horovod's learning-rate warm-up)."""

from __future__ import annotations

from ..callbacks import Callback
from . import _mpi


class LearningRateWarmup(Callback):
    """Ramps the learning rate from initial_learning_rate / size() up to
    initial_learning_rate over the first warmup_epochs epochs, batch by batch, as Horovod's
    LearningRateWarmupCallback: a large global batch with a learning rate scaled by
    scale_learning_rate() diverges without it (Goyal et al. 2017). steps_per_epoch defaults to
    fit's."""

    def __init__(self, initial_learning_rate, warmup_epochs=5, steps_per_epoch=None, verbose=0):
        super().__init__()
        if not initial_learning_rate > 0:
            raise ValueError(
                f"LearningRateWarmup: initial_learning_rate must be positive, got "
                f"{initial_learning_rate}"
            )
        if not warmup_epochs > 0:
            raise ValueError(
                f"LearningRateWarmup: warmup_epochs must be positive, got {warmup_epochs}"
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.warmup_epochs = warmup_epochs
        self.steps_per_epoch = steps_per_epoch
        self.verbose = verbose
        self._epoch = 0

    def learning_rate_at(self, epoch_fraction: float) -> float:
        """The rate at a (fractional) epoch: linear from lr / size to lr."""
        n = _mpi.require("LearningRateWarmup").Get_size()
        if epoch_fraction >= self.warmup_epochs:
            return self.initial_learning_rate
        return self.initial_learning_rate / n * (epoch_fraction * (n - 1) / self.warmup_epochs + 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self._epoch >= self.warmup_epochs:
            return
        steps = self.steps_per_epoch or self.params.get("steps")
        if not steps:
            raise ValueError(
                "LearningRateWarmup: steps_per_epoch is unknown (a generator without "
                "len()); pass steps_per_epoch="
            )
        self.model.optimizer.learning_rate = self.learning_rate_at(self._epoch + batch / steps)

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.warmup_epochs:
            self.model.optimizer.learning_rate = self.initial_learning_rate
            if self.verbose and _mpi._State.comm.Get_rank() == 0:
                print(
                    f"\nEpoch {epoch + 1}: finished the learning-rate warm-up, rate "
                    f"{self.initial_learning_rate:g}"
                )
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
