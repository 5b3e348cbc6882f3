"""GradientTape: custom training loops in the style of tf.GradientTape, differentiated in C++.

    with nerve.GradientTape() as tape:
        logits = model(x, training=True)          # x: nerve.Tensor or numpy (a constant)
        loss = loss_fn(y, logits)                 # a scalar nerve.Tensor
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

Every op on nerve.Tensor (nerve.ops, layer and model calls) records its backward step in C++
while recording is on; the tape turns recording on for its block, and tape.gradient runs the C++
backward pass from the target, returning d target / d source for each source without touching
any tensor's .grad. Layer weights require gradients already; other tensors are differentiated
once watched (tape.watch(t), which marks t as requiring gradients).
"""

from __future__ import annotations

import contextlib

from . import _core
from .ops import _dispatch


class GradientTape:
    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = watch_accessed_variables
        self._watched: list = []  # tensors whose requires_grad the tape turned on
        self._used = False
        self._previous = None

    def __enter__(self):
        self._previous = _core.set_grad_enabled(True)
        _dispatch.enter_tape()
        return self

    def __exit__(self, *exc):
        _dispatch.exit_tape()
        _core.set_grad_enabled(self._previous)
        return False

    def watch(self, tensor) -> None:
        """Differentiate with respect to `tensor` (a nerve.Tensor, or a list of them)."""
        for t in tensor if isinstance(tensor, (list, tuple)) else [tensor]:
            if not isinstance(t, _core.Tensor):
                raise TypeError(
                    f"GradientTape.watch: expected a nerve.Tensor, got "
                    f"{type(t).__name__}; wrap arrays with nerve.Tensor(array)"
                )
            if not t.requires_grad:
                t.requires_grad = True
                self._watched.append(t)

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops in this block are not recorded (their results are constants)."""
        previous = _core.set_grad_enabled(False)
        try:
            yield
        finally:
            _core.set_grad_enabled(previous)

    def gradient(self, target, sources, output_gradients=None):
        """d target / d source for each source: a nerve.Tensor, or None where target does not
        depend on the source. `sources` may be one tensor, a list/tuple, or a dict; the result has
        the same structure. A non-scalar target needs output_gradients (its upstream gradient)."""
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only compute one set of "
                "gradients; use GradientTape(persistent=True) for more"
            )
        tracer = _dispatch.active_step_tracer()
        if tracer is not None and tracer.owns(target):
            return self._traced_gradient(tracer, target, sources, output_gradients)
        if not isinstance(target, _core.Tensor):
            raise TypeError(
                f"GradientTape.gradient: the target must be a nerve.Tensor (computed "
                f"inside the tape), got {type(target).__name__}"
            )
        if isinstance(sources, dict):
            keys, flat = list(sources), list(sources.values())
        else:
            keys, flat = None, list(sources) if isinstance(sources, (list, tuple)) else [sources]
        for s in flat:
            if not isinstance(s, _core.Tensor):
                raise TypeError(
                    f"GradientTape.gradient: sources must be nerve.Tensor, got {type(s).__name__}"
                )
        seed = output_gradients
        if seed is not None and not isinstance(seed, _core.Tensor):
            seed = _core.Tensor(seed)
        grads = _core.gradients(target, flat, seed)
        self._used = True
        if not self.persistent:
            for t in self._watched:  # the graph is used up: give the tensors back as they were
                t.requires_grad = False
            self._watched = []
        return self._structured(sources, keys, grads)

    def _traced_gradient(self, tracer, target, sources, output_gradients):
        """Inside a traced train_step: a recorded gradient step (nerve.models.step_tracing)."""
        if output_gradients is not None:
            raise TypeError("GradientTape.gradient: output_gradients in a traced step")
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only compute one set of "
                "gradients; use GradientTape(persistent=True) for more"
            )
        self._used = True
        if isinstance(sources, dict):
            keys, flat = list(sources), list(sources.values())
        else:
            keys, flat = None, list(sources) if isinstance(sources, (list, tuple)) else [sources]
        return self._structured(sources, keys, tracer.gradient(target, flat))

    @staticmethod
    def _structured(sources, keys, grads):
        """The gradients in the structure of `sources`."""
        if keys is not None:
            return dict(zip(keys, grads))
        if isinstance(sources, (list, tuple)):
            return type(sources)(grads) if isinstance(sources, tuple) else grads
        return grads[0]
