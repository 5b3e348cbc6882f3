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
import math
import threading

import numpy as np

from . import _core
from .ops import _dispatch

_open = threading.local()  # per thread: the GradientTape blocks now open, innermost last


def _open_tapes() -> list:
    tapes = getattr(_open, "tapes", None)
    if tapes is None:
        tapes = _open.tapes = []
    return tapes


class GradientTape:
    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = watch_accessed_variables
        self._watched: list = []  # tensors whose requires_grad the tape turned on
        self._used = False
        self._previous = None
        # Gradients another tape took inside this one's recording block (see _second_order).
        self._inner_gradients: list = []

    def __enter__(self):
        self._previous = _core.set_grad_enabled(True)
        _dispatch.enter_tape()
        _open_tapes().append(self)
        return self

    def __exit__(self, *exc):
        _open_tapes().remove(self)
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
        the same structure. A non-scalar target is differentiated as its sum, as in
        tf.GradientTape, unless output_gradients gives its upstream gradient."""
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only compute one set of "
                "gradients; use GradientTape(persistent=True) for more"
            )
        outer = [t for t in _open_tapes() if t is not self] if _core.grad_enabled() else []
        tracer = _dispatch.active_step_tracer()
        if tracer is not None and tracer.owns(target):
            return self._traced_gradient(tracer, target, sources, output_gradients, bool(outer))
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
        if seed is None and math.prod(target.shape) != 1:
            # tf.GradientTape's rule: a non-scalar target is differentiated as its sum (the
            # Keras WGAN-GP example takes d critic(x) / d x of a (batch, 1) output this way).
            seed = _core.Tensor(np.ones(tuple(target.shape), np.float32))
        inner = self._inner_gradients
        grads = _core.gradients(target, flat + inner, seed)
        grads, through_inner = grads[: len(flat)], grads[len(flat) :]
        if any(g is not None for g in through_inner):
            raise NotImplementedError(_SECOND_ORDER)
        self._used = True
        if not self.persistent:
            for t in self._watched + inner:  # the graph is used up: give them back as they were
                t.requires_grad = False
            self._watched, self._inner_gradients = [], []
        if outer:
            self._second_order(outer, grads)
        return self._structured(sources, keys, grads)

    @staticmethod
    def _second_order(outer, grads) -> None:
        """This gradient was taken inside the recording block of the tapes `outer`. TensorFlow
        records it there, so they can differentiate it in turn (a second-order gradient: a
        WGAN-GP gradient penalty, a Hessian-vector product). nerve's backward pass is not
        recorded: those tapes would see no dependence and give None. So each outer tape
        remembers these gradients, watched (what is computed from them is recorded), and its
        own gradient call refuses when its target depends on one of them; a target that does
        not (the gradients used otherwise) is differentiated as usual."""
        for g in grads:
            if g is not None:
                g.requires_grad = True
                for tape in outer:
                    tape._inner_gradients.append(g)

    def _traced_gradient(self, tracer, target, sources, output_gradients, inside_another_tape):
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
        return self._structured(sources, keys, tracer.gradient(target, flat, inside_another_tape))

    @staticmethod
    def _structured(sources, keys, grads):
        """The gradients in the structure of `sources`."""
        if keys is not None:
            return dict(zip(keys, grads))
        if isinstance(sources, (list, tuple)):
            return type(sources)(grads) if isinstance(sources, tuple) else grads
        return grads[0]


_SECOND_ORDER = (
    "GradientTape.gradient: the target depends on a gradient another tape took inside this "
    "tape's recording block, so this would be a second-order gradient (as a gradient penalty "
    "or a Hessian-vector product needs). nerve does not support second-order gradients: its "
    "backward pass is not recorded, and this tape would give None for what the inner gradient "
    "depends on."
)
