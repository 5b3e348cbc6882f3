from __future__ import annotations

from .callback import Callback

_HOOKS = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_begin",
    "on_train_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_batch_begin",
    "on_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)
_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")


class LambdaCallback(Callback):
    """A callback from plain functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...).
    Epoch hooks take (epoch, logs), batch hooks (batch, logs), train hooks (logs)."""

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **hooks,
    ):
        super().__init__()
        hooks.update(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
            on_train_batch_begin=on_train_batch_begin,
            on_train_batch_end=on_train_batch_end,
        )
        unknown = set(hooks) - set(_HOOKS)
        if unknown:
            raise ValueError(
                f"LambdaCallback: unknown hooks {sorted(unknown)}; valid: {', '.join(_HOOKS)}"
            )
        self._given = {k: v for k, v in hooks.items() if v is not None}
        for name, fn in self._given.items():
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable")
            setattr(self, name, fn)
        # Keras: on_batch_* also serve as the training batch hooks.
        if "on_batch_begin" in self._given and "on_train_batch_begin" not in self._given:
            self.on_train_batch_begin = self._given["on_batch_begin"]
        if "on_batch_end" in self._given and "on_train_batch_end" not in self._given:
            self.on_train_batch_end = self._given["on_batch_end"]

    @property
    def wants_batches(self) -> bool:
        return any(h in self._given for h in _BATCH_HOOKS)
