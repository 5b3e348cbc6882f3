"""CallbackList: fans each hook out to a list of callbacks."""

from __future__ import annotations

from .callback import Callback


class CallbackList:
    """Calls each hook on every callback, in order. `wants_batches` tells fit whether it must
    run one step per C++ call (some callback needs every batch) or may run chunks of steps."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for c in self.callbacks:
            if not isinstance(c, Callback):
                raise TypeError(f"callbacks must be nerve.callbacks.Callback instances, got "
                                f"{type(c).__name__}")
            c.set_model(model)
            c.set_params(params)

    @property
    def wants_batches(self) -> bool:
        return any(c.wants_batches and not c.batch_hooks_in_chunks for c in self.callbacks)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args, **kwargs):
            for c in self.callbacks:
                getattr(c, hook)(*args, **kwargs)
        return call
