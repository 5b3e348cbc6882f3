"""The Callback base class with the Keras hook names."""

from __future__ import annotations


class Callback:
    """Override any hook. fit() runs its steps in C++ chunks; a callback that overrides a
    per-batch hook (on_train_batch_begin/end, on_batch_begin/end) makes fit call it after every
    step, at the cost of one C++ call per step. A callback that is satisfied with the batch
    hooks at chunk boundaries (the last step of each chunk) sets `batch_hooks_in_chunks = True`.
    """

    batch_hooks_in_chunks = False

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    @property
    def wants_batches(self) -> bool:
        """Whether this callback overrides a per-batch training hook."""
        cls, base = type(self), Callback
        return any(
            getattr(cls, h) is not getattr(base, h)
            for h in (
                "on_train_batch_begin",
                "on_train_batch_end",
                "on_batch_begin",
                "on_batch_end",
            )
        )

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    # Keras: on_batch_* are the training batch hooks under their older names.
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)
