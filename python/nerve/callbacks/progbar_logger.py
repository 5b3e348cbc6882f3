"""ProgbarLogger: Keras 3's progress-bar callback."""

from __future__ import annotations

from ..utils.progbar import Progbar
from .callback import Callback


class ProgbarLogger(Callback):
    """Prints fit's progress bar and logs to stdout, as Keras's ProgbarLogger does. fit draws
    its own bar when none is passed (Keras adds a ProgbarLogger then); passing one makes fit
    leave the drawing to it, so there is one bar: it follows fit's `verbose` (0 silent, 1 a bar
    per epoch, 2 one line per epoch) and, as in Keras, writes "Epoch i/N" only when N > 1.
    The bar is updated at the end of each chunk of steps fit runs in C++ (as fit's own bar).
    Validation during fit is silent, as in Keras. evaluate and predict draw their bar
    themselves, as Keras's ProgbarLogger would with the same `verbose`; the callback then
    draws nothing (no second bar)."""

    batch_hooks_in_chunks = True  # the bar needs the chunk ends only, not every step

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation is silent

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def _update_progbar(self, batch, logs=None):
        logs = logs or {}
        self._maybe_init_progbar()
        self.seen = batch + 1  # one-indexed
        if self.verbose == 1:
            # Keras: every value is shown as logged (the logs hold running means already)
            self.progbar.stateful_metrics = set(logs)
            self.progbar.update(self.seen, list(logs.items()), finalize=False)

    def _finalize_progbar(self, logs):
        logs = logs or {}
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.stateful_metrics = set(logs)
        self.progbar.update(self.target, list(logs.items()), finalize=True)
