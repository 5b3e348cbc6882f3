"""CallbackList: fans each hook out to a list of callbacks."""

from __future__ import annotations

from .callback import Callback
from .progbar_logger import ProgbarLogger

# Hooks that take an epoch or batch index before the logs.
_INDEXED = {
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_batch_begin",
    "on_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
}


class CallbackList:
    """Calls each hook on every callback, in order, always passing the logs positionally (as
    Keras does, so plain functions in a LambdaCallback get them). `wants_batches` tells fit
    whether it must run one step per C++ call (some callback needs every batch) or may run
    chunks of steps."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for c in self.callbacks:
            if not isinstance(c, Callback):
                raise TypeError(
                    f"callbacks must be nerve.callbacks.Callback instances, got {type(c).__name__}"
                )
            c.set_model(model)
            c.set_params(params)

    @property
    def wants_batches(self) -> bool:
        return any(c.wants_batches and not c.batch_hooks_in_chunks for c in self.callbacks)

    @property
    def has_progbar_logger(self) -> bool:
        """Whether a ProgbarLogger was passed: fit then leaves the progress bar to it (Keras
        adds one only when none is given)."""

        return any(isinstance(c, ProgbarLogger) for c in self.callbacks)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)
        indexed = hook in _INDEXED

        def call(*args, logs=None):
            if indexed:
                index = args[0]
                logs = args[1] if len(args) > 1 else logs
            else:
                logs = args[0] if args else logs
            logs = {} if logs is None else logs
            for c in self.callbacks:
                method = getattr(c, hook)
                method(index, logs) if indexed else method(logs)

        return call
