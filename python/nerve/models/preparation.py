"""Data handed to fit / evaluate / predict, made ready for the C++ loops: one float32 array per
model input and output (from one array, a list, or a dict keyed by name), targets shaped for
their loss, per-sample weights, and the model built for the inputs' shapes. Part of Model
(model.py)."""

from __future__ import annotations

import numpy as np

from .. import _core
from ..layers._shapes import fits
from . import data
from .run_checks import TRAINING_RUNS


def _is_array_like(a) -> bool:
    return hasattr(a, "shape") and hasattr(a, "dtype") or isinstance(a, _core.Tensor)


class DataPreparation:
    """Turns the data given to fit / evaluate / predict into the arrays the C++ loops take."""

    def _arrays(self, x, what: str, names, where: str) -> list:
        """One float32 array per model input (or output): x may be one array, a list, or a dict
        keyed by input (output) name."""
        if isinstance(x, dict):
            if names is None:
                raise ValueError(f"{where}: {what} given as a dict before the model is built")
            missing = [k for k in names if k not in x]
            if missing:
                kind = "input" if what == "x" else "output"
                raise ValueError(
                    f"{where}: {what} has no entry for {kind}(s) {missing}; the model's "
                    f"{kind}s are {names}"
                )
            x = [x[k] for k in names]
        elif (
            isinstance(x, (list, tuple))
            and x
            and all(_is_array_like(a) for a in x)
            and not (names is not None and len(names) == 1 and len(x) != 1)
        ):
            x = list(x)
        else:
            x = [x]
        arrays = [
            data.as_float_array(a, what if len(x) == 1 else f"{what}[{i}]", where)
            for i, a in enumerate(x)
        ]
        if names is not None and len(arrays) != len(names):
            raise ValueError(
                f"{where}: the model has {len(names)} {what.rstrip('s')}(s) {names}, "
                f"got {len(arrays)} array(s)"
            )
        return arrays

    def _input_names(self):
        """Names of the inputs (for x given as a dict): the keys of a dict of inputs, else the
        Input layers' names; None while unknown (unbuilt)."""
        if self._input_keys is not None:
            return list(self._input_keys)
        return [kt._node.layer.name for kt in self._graph.inputs] if self._graph else None

    def _inputs(self, x, where: str) -> list:
        if self._input_keys is not None:  # a dict of inputs: x a dict with just its keys
            flat = self._flat_inputs(x, where)
            if not isinstance(x, dict):  # a list in the sorted keys' order, as Keras takes it
                x = dict(zip(self._input_keys, flat))
        return self._arrays(x, "x", self._input_names(), where)

    def _targets(self, y, where: str) -> list:
        ys = self._target_arrays(y, where)
        return [
            t if loss is None else data.prepare_targets(t, loss, shape, where)
            for t, loss, shape in zip(ys, self._losses, self._output_shapes)
        ]

    def _target_arrays(self, y, where: str) -> list:
        """One array per output. As Keras, when compile() gave some outputs no loss (None),
        y may hold only the other outputs' targets (one array, a list, or a dict without
        them); those outputs then get an empty (samples, 0) placeholder the trainer never
        reads."""
        names, untrained = self._output_names, self._untrained_outputs()
        if isinstance(y, dict):
            unknown = [k for k in y if k not in names]
            if unknown:  # Keras: y's structure must be the outputs'
                raise ValueError(
                    f"{where}: y has entries for unknown output(s) {unknown}; the model's "
                    f"outputs are {names}"
                )
        if not untrained:
            return self._arrays(y, "y", names, where)
        trained = [n for i, n in enumerate(names) if i not in untrained]
        if isinstance(y, dict):
            given = {k: v for k, v in y.items() if k in trained}
            arrays = self._arrays(given, "y", trained, where) if trained else []
        elif (
            isinstance(y, (list, tuple))
            and len(y) == len(names)
            and all(_is_array_like(a) for a in y)
        ):
            return self._arrays(y, "y", names, where)
        else:
            arrays = self._arrays(y, "y", trained, where)
        out, it = [], iter(arrays)
        for i in range(len(names)):
            out.append(np.zeros((len(arrays[0]), 0), np.float32) if i in untrained else next(it))
        return out

    def _accepted_input_shapes(self) -> list:
        """Per-sample shapes the model runs on (None: any size there): its inputs' shapes; a
        subclassed model checks only the rank here (its layers check their inputs)."""
        if type(self)._is_subclassed():
            return [(None,) * len(s) for s in self._input_shapes]
        return [tuple(s) for s in self._input_shapes]

    def _check_input_shapes(self, shapes, where: str) -> None:
        want = self._accepted_input_shapes()
        if len(shapes) != len(want):
            raise ValueError(f"{where}: the model has {len(want)} input(s), got {len(shapes)}")
        for i, (got, w) in enumerate(zip(shapes, want)):
            if not fits(w, tuple(got[1:])):
                layer = self._first_layer_for_input(i)
                hint = ""
                if len(got) == len(w) + 1 and None not in w:
                    open_dims = tuple(None if g != d else d for g, d in zip(got[1:], w))
                    hint = (
                        f"; for inputs whose length varies, leave it open with None, e.g. "
                        f"nerve.Input(shape={open_dims})"
                    )
                raise ValueError(
                    f"{where}: {type(layer).__name__} '{layer.name}' expects input of "
                    f"shape {(None,) + w}, got x{'' if len(want) == 1 else f'[{i}]'} "
                    f"of shape {tuple(got)}{hint}"
                )

    def _first_layer_for_input(self, i: int):
        return self._graph.inputs[i]._node.layer

    def _ensure_ready(self, xs: list, where: str, need_compile: bool = True):
        if need_compile and self.loss is None:
            raise RuntimeError(f"You must call compile() before {where}()")
        if not self.built:
            shapes = [a.shape[1:] for a in xs]
            self._build_for(shapes if len(shapes) > 1 else shapes[0])
            # a subclassed call traced just now may force a layer call's mode
            self._check_forced_training(where, where in TRAINING_RUNS)
        self._check_input_shapes([a.shape for a in xs], where)
        if need_compile and self._trainer is None:
            self._make_trainer()

    @staticmethod
    def _same_length(xs, ys, where: str) -> None:
        for a in xs[1:] + ys:
            data.check_same_length(xs[0], a, where)

    def _prepare(self, x, y, sample_weight, class_weight, where):
        """Validated float32 arrays for a compiled model: (inputs list, targets list, per-sample
        weights or None). One sample_weight array weighs every output's loss (Keras)."""
        xs = self._inputs(x, where)
        self._ensure_ready(xs, where)
        if y is None:
            raise ValueError(f"{where}: y is None; targets are required")
        ys = self._target_arrays(y, where)
        self._same_length(xs, ys, where)
        if class_weight is not None and len(ys) > 1:
            raise ValueError(
                f"{where}: class_weight is only supported for models with a single "
                f"output; this one has {len(ys)} {self._output_names} (use "
                f"sample_weight)"
            )
        if isinstance(sample_weight, dict) or (
            isinstance(sample_weight, (list, tuple))
            and sample_weight
            and all(isinstance(a, np.ndarray) and a.ndim >= 1 for a in sample_weight)
        ):
            raise ValueError(
                f"{where}: sample_weight must be one array of per-sample weights "
                f"(it weighs every output's loss), not one per output"
            )
        w = data.sample_weights(sample_weight, class_weight, ys[0], where)
        ys = [
            t if loss is None else data.prepare_targets(t, loss, shape, where)
            for t, loss, shape in zip(ys, self._losses, self._output_shapes)
        ]
        return xs, ys, w

    def _simple_batch_tensors(self, x, y, sample_weight, class_weight):
        """_batch_tensors' result for train_on_batch / test_on_batch's common call, or None:
        unweighted numpy float32 arrays in C order, already of the model's exact per-sample
        input and output shapes (nothing to convert, reshape or build), all finite. A
        reinforcement-learning agent calls train_on_batch once per environment step, and the
        general path's handling of lists, dicts, conversions and messages cost it about a third
        of a small network's step. Anything else (or anything wrong) returns None, and the
        general path converts it or says what is wrong."""
        if sample_weight is not None or class_weight is not None or type(y) is not np.ndarray:
            return None
        if self._input_keys is not None:  # a dict of inputs: x is checked by key
            return None
        spec = self._simple_batch_spec()
        if spec is None:
            return None
        input_shapes, output_shape = spec
        if type(x) is np.ndarray:
            xs = [x]
        elif type(x) is list or type(x) is tuple:
            xs = list(x)
        else:
            return None
        n = len(y) if y.ndim else 0
        if not n or len(xs) != len(input_shapes):
            return None
        for a, want in zip(xs + [y], input_shapes + (output_shape,)):
            if (
                type(a) is not np.ndarray
                or a.dtype != np.float32
                or not a.flags.c_contiguous
                or a.shape[1:] != want
                or len(a) != n
                or not np.isfinite(a).all()
            ):
                return None
        return [_core.Tensor(a) for a in xs], [_core.Tensor(y)], None

    def _simple_batch_spec(self):
        """(per-sample input shapes, output shape) for _simple_batch_tensors, or None when this
        compiled model's batches always need the general path (not built or compiled, several
        outputs, a size left open (None), integer labels, a subclassed model). Kept while the
        C++ model and trainer stay the same (a rebuild or a compile replaces them)."""
        key = (self._core_model if self.built else None, self._trainer)
        kept = self.__dict__.get("_kept_batch_spec")
        if kept is not None and kept[0][0] is key[0] and kept[0][1] is key[1]:
            return kept[1]
        spec = None
        if key[0] is not None and key[1] is not None and len(self._output_shapes) == 1:
            inputs = tuple(tuple(s) for s in self._accepted_input_shapes())
            output = tuple(self._output_shapes[0])
            known = all(d is not None for s in inputs + (output,) for d in s)
            if known and not self._losses[0].sparse_labels:
                spec = (inputs, output)
        self.__dict__["_kept_batch_spec"] = (key, spec)
        return spec

    def _batch_tensors(self, batch, class_weight, where, index, need_y=True):
        """(input tensors, target tensors, weight tensor or None) of one batch."""
        x, y, w = data.unpack_batch(batch, where, index)
        label = f"{where} (batch {index})"
        if not need_y:
            xs = self._inputs(x, label)
            self._ensure_ready(xs, where, need_compile=False)
            return [_core.Tensor(a) for a in xs], None, None
        if y is None:
            raise ValueError(
                f"{label}: the batch has no targets; yield (x, y) or (x, y, sample_weight)"
            )
        xs, ys, w = self._prepare(x, y, w, class_weight, label)
        return (
            [_core.Tensor(a) for a in xs],
            [_core.Tensor(a) for a in ys],
            None if w is None else _core.Tensor(w),
        )
