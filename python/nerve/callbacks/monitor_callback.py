"""The shared "watch one logged value, min or max" logic of EarlyStopping and ModelCheckpoint."""

from __future__ import annotations

import warnings

from .. import metrics as metrics_mod
from .callback import Callback


class MonitorCallback(Callback):
    def __init__(self, monitor="val_loss", mode="auto", baseline=None):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(
                f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', got {mode!r}"
            )
        self.monitor = monitor
        self.mode = mode
        self.baseline = baseline
        self._better = None  # a > b is an improvement ("max") or a < b ("min")

    def _set_direction(self):
        if self.mode != "auto":
            self._better = self.mode
            return
        d = metrics_mod.direction(self.monitor, self.model)
        if d is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor!r} "
                f"but cannot tell whether it should be minimized or maximized; pass "
                f"mode='min' or mode='max'"
            )
        self._better = "max" if d == "up" else "min"

    def _is_improvement(self, value, reference, min_delta=0.0) -> bool:
        if reference is None:
            return True
        if self._better is None:
            self._set_direction()
        if self._better == "max":
            return value - abs(min_delta) > reference
        return value + abs(min_delta) < reference

    def get_monitor_value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"{type(self).__name__}: the monitored value {self.monitor!r} is not "
                f"in the logs (available: {', '.join(logs or {}) or 'none'})",
                stacklevel=3,
            )
        return value
