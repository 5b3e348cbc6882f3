from __future__ import annotations

import math

from .callback import Callback


class TerminateOnNaN(Callback):
    """Stops training cleanly when the loss becomes NaN or Inf (instead of fit raising
    NonFiniteLossError); with raise_error=True it raises RuntimeError instead, as Keras does.
    The C++ trainer checks every step and ends a chunk at the first non-finite loss, so this
    callback's batch hook is satisfied at chunk boundaries."""

    batch_hooks_in_chunks = True

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = bool(raise_error)

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                    f"{loss}. Terminating training immediately."
                )
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
