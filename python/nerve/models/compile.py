"""compile(): the optimizer, the losses and metrics per output, and the C++ Trainer they make
once the model is built; the logs (loss, per-output losses, metrics) of its stats. Part of
Model (model.py)."""

from __future__ import annotations

from .. import _core, optimizers
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from ..metric_base import result_value
from ..utils.keras_args import reject_unsupported
from .graph_network import as_list


def _flat_ids(ids) -> list:
    """Every metric identifier of a compile() metrics argument (list, list of lists, dict)."""
    values = ids.values() if isinstance(ids, dict) else ids
    return [
        m for v in values for m in (v if isinstance(v, (list, tuple)) else [v]) if m is not None
    ]


def _flat_list(ids) -> bool:
    """A compile() metrics argument that applies to every output (not per output)."""
    return not isinstance(ids, dict) and not (
        ids and all(isinstance(m, (list, tuple)) for m in ids)
    )


class Compile:
    """compile() and what it sets up once the model is built: the Trainer, the metric names, the
    logs of its stats."""

    compiled = False  # Keras: set by compile()

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Choose the optimizer, the loss (one, or one per output as a list or a dict keyed by
        output name; None for a model whose own train_step computes its loss), metrics (a list
        for every output, or per output), loss_weights (the total loss is sum_i loss_weights[i]
        * loss_i) and weighted_metrics (weighted by sample_weight / class_weight; metrics are
        not, as in Keras 3). The training step runs in C++: Keras's execution options
        (run_eagerly, steps_per_execution, jit_compile, auto_scale_loss) take only their
        defaults."""
        reject_unsupported(
            "Model.compile",
            Compile.compile,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
            auto_scale_loss=auto_scale_loss,
        )
        self.optimizer = optimizers.get(optimizer)
        if loss is None:  # a model whose own train_step computes its loss (Keras allows it)
            self.loss = None
        elif isinstance(loss, dict):  # None: an output no loss trains (Keras)
            self.loss = {k: None if v is None else losses_mod.get(v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            self.loss = [None if v is None else losses_mod.get(v) for v in loss]
        else:
            self.loss = losses_mod.get(loss)
        self._loss_weights = loss_weights
        self._metric_ids = metrics if isinstance(metrics, dict) else list(metrics or [])
        self._weighted_metric_ids = (
            weighted_metrics if isinstance(weighted_metrics, dict) else list(weighted_metrics or [])
        )
        # Validate names now (and, with one loss, that metric and loss read the same targets);
        # the variants are resolved per output once the model is built.
        for m in _flat_ids(self._metric_ids) + _flat_ids(self._weighted_metric_ids):
            if isinstance(self.loss, losses_mod.Loss) and not self._python_step_metric(m):
                metrics_mod.resolve(m, self.loss, (1,))
            else:
                metrics_mod.get(m, "", (1,))
        self._compile_config = {
            "loss": loss,
            "metrics": metrics,
            "loss_weights": loss_weights,
            "weighted_metrics": weighted_metrics,
        }
        self._trainer = None
        # Whether a loss or metric is Python code (the steps then run from Python, traced where
        # they can be): fixed until the next compile(), so asked once here, not on every step.
        self._python_step_parts = self._python_loss() or self._python_metrics()
        if self._python_step_parts and self._untrained_outputs_given():
            raise NotImplementedError(
                "compile: a loss of None for an output together with a loss or metric written "
                "in Python is not supported yet (the Python step needs a loss per output); "
                "give that output a loss with loss_weights 0, or use nerve's built-in losses"
            )
        self.compiled = True
        # What Python steps report (step_hooks.py): the running mean of the loss, and the
        # compiled metrics as standalone objects, made on the first step.
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._step_metrics = None
        self._step_loss_spec = None
        if self.built and self.loss is not None:
            self._make_trainer()

    @staticmethod
    def _python_step_metric(identifier) -> bool:
        """A compile() metric computed by Python code (a function, a Metric subclass)."""
        if isinstance(identifier, str):
            return identifier in metrics_mod.PYTHON_NAMES
        if isinstance(identifier, type):
            return issubclass(identifier, metrics_mod.Metric) and metrics_mod.is_python_metric(
                identifier.__new__(identifier)
            )
        return metrics_mod.is_python_metric(metrics_mod.get(identifier))

    def _python_metrics(self) -> bool:
        ids = _flat_ids(getattr(self, "_metric_ids", [])) + _flat_ids(
            getattr(self, "_weighted_metric_ids", [])
        )
        return any(self._python_step_metric(m) for m in ids)

    def _require_compiled(self, where: str, need_loss: bool = False) -> None:
        """compile() must come first; the built-in (C++) steps also need its loss."""
        if not self.compiled:
            raise RuntimeError(f"You must call compile() before {where}()")
        if need_loss and self.loss is None:
            raise ValueError(
                f"{where}: {type(self).__name__} '{self.name}' was compiled without a loss, so "
                f"the built-in step has nothing to minimise: give compile(loss=...), or "
                f"override train_step (and test_step) to compute the loss yourself"
            )

    def _per_output(self, spec, what: str, default=None) -> list:
        names, n = self._output_names, len(self._output_names)
        if spec is None:
            return [default] * n
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(
                    f"compile: {what} given for unknown output(s) {unknown}; the "
                    f"model's outputs are {names}"
                )
            if default is None and len(spec) != n:
                raise ValueError(
                    f"compile: {what} is missing for output(s) "
                    f"{[k for k in names if k not in spec]}; the model's outputs are {names}"
                    + (" (give None for an output no loss trains)" if what == "loss" else "")
                )
            return [spec.get(k, default) for k in names]
        if isinstance(spec, (list, tuple)):
            if len(spec) != n:
                raise ValueError(
                    f"compile: {len(spec)} {what} entries for a model with {n} output(s) {names}"
                )
            return list(spec)
        return [spec] * n

    def _metrics_per_output(self, ids, what: str) -> list:
        """metrics / weighted_metrics as one list per output: a flat list applies to every
        output; a list of lists or a dict keyed by output name gives each its own."""
        if isinstance(ids, dict):
            return [as_list(v) if v is not None else [] for v in self._per_output(ids, what, [])]
        if ids and all(isinstance(m, (list, tuple)) for m in ids):
            return [list(v) for v in self._per_output(ids, what, [])]
        return [list(ids)] * len(self._output_names)

    def _untrained_outputs_given(self) -> bool:
        """Whether compile()'s loss list or dict leaves an output without a loss (None)."""
        values = self.loss.values() if isinstance(self.loss, dict) else self.loss
        return isinstance(values, (list, tuple, type({}.values()))) and any(
            v is None for v in values
        )

    def _untrained_outputs(self) -> list:
        """Indices of the outputs compile() gave no loss (None in a loss list or dict)."""
        losses = getattr(self, "_losses", None) or []
        return [i for i, l in enumerate(losses) if l is None]

    def _trained_output_names(self) -> list:
        untrained = self._untrained_outputs()
        return [n for i, n in enumerate(self._output_names) if i not in untrained]

    def _make_trainer(self):
        self._losses = [
            None if l is None else losses_mod.get(l) for l in self._per_output(self.loss, "loss")
        ]
        if self._losses and all(l is None for l in self._losses):
            raise ValueError(
                f"compile: every output's loss is None {self._output_names}; give at least "
                f"one output a loss (or compile with loss=None and write a train_step)"
            )
        self.optimizer._exclude_by_name(self.trainable_weights)  # exclude_from_weight_decay
        if self._python_step_parts:
            # A Python loss or metric runs in the Python step (step_hooks.py), which fit traces
            # into a C++ program where it can; the built-in C++ trainer cannot compute it.
            self._trainer, self._metric_names, self._metric_objects = None, [], []
            return
        weights = [float(w) for w in self._per_output(self._loss_weights, "loss_weights", 1.0)]
        plain = self._metrics_per_output(self._metric_ids, "metrics")
        weighted = self._metrics_per_output(self._weighted_metric_ids, "weighted_metrics")
        multi = len(self._output_names) > 1
        specs, self._metric_names, self._metric_objects = [], [], []
        for out_name, loss, shape, ms, wms in zip(
            self._output_names, self._losses, self._output_shapes, plain, weighted
        ):
            if loss is None:  # no targets for this output: no metrics either
                if (ms and not _flat_list(self._metric_ids)) or (
                    wms and not _flat_list(self._weighted_metric_ids)
                ):
                    raise ValueError(
                        f"compile: metrics are given for output '{out_name}', which has no "
                        f"loss (None): it has no targets to measure against"
                    )
                specs.append([])
                continue
            resolved = [metrics_mod.resolve(m, loss, shape) for m in ms]
            names = [name for name, _, _ in resolved]
            for m in wms:
                name, spec, obj = metrics_mod.resolve(m, loss, shape, weighted=True)
                resolved.append((f"weighted_{name}" if name in names else name, spec, obj))
                names.append(resolved[-1][0])
            specs.append([spec for _, spec, _ in resolved])
            self._metric_names += [f"{out_name}_{n}" if multi else n for n in names]
            self._metric_objects += [obj for _, _, obj in resolved]
        self._trainer = _core.Trainer(
            self._core_model,
            [_core.Loss.none() if l is None else l._to_core() for l in self._losses],
            weights,
            self.optimizer._core,
            specs,
        )

    @property
    def metrics_names(self) -> list:
        trained = self._trained_output_names() if self.built else []
        return [
            "loss",
            *([f"{n}_loss" for n in trained] if len(trained) > 1 else []),
            *self._metric_names,
            *(m.name for m in self._call_metrics() if m.name not in self._metric_names),
        ]

    def _log_values(self, logs: dict):
        """evaluate's (and *_on_batch's) list of the logs' values; one value alone as it is.
        For one output the loss then the metrics in compile()'s order; for several, Keras lists
        the loss, each output's loss (for a dict of outputs in the order of compile()'s loss
        dict, else of the sorted keys), then the other entries by name."""
        if self._output_keys is None and len(self._output_names) < 2:
            # the loss, then compile()'s metrics in their order, then the call() metrics
            first = self.metrics_names
            values = [logs[k] for k in first if k in logs]
            values += [logs[k] for k in sorted(logs) if k not in first]
        elif self._output_keys is None:
            # a list of outputs: Keras names each output's metrics only in the logs ("out_mae"),
            # so its list has the loss, the outputs' losses, the call() metrics, then by name
            trained = self._trained_output_names()
            first = [
                "loss",
                *(f"{n}_loss" for n in (trained if len(trained) > 1 else [])),
                *(m.name for m in self._call_metrics()),
            ]
            values = [logs[k] for k in first if k in logs]
            values += [logs[k] for k in sorted(logs) if k not in first]
        else:
            if isinstance(self.loss, dict):
                order = [k for k, v in self.loss.items() if v is not None]
            else:
                order = list(self._output_keys)
            first = ["loss", *(f"{k}_loss" for k in order)]
            values = [logs[k] for k in first if k in logs]
            values += [logs[k] for k in sorted(logs) if k not in first]
        return values[0] if len(values) == 1 else values

    def _logs(self, stats) -> dict:
        """The logs by name, as Keras's: loss, each output's loss (several outputs), the
        metrics."""
        d = max(stats.samples, 1)
        logs = {"loss": stats.loss_sum / d}
        if len(self._trained_output_names()) > 1:  # Keras: one per output a loss trains
            sums = list(stats.output_loss_sums) or [0.0] * len(self._output_names)
            untrained = self._untrained_outputs()
            logs.update(
                {
                    f"{name}_loss": s / d
                    for i, (name, s) in enumerate(zip(self._output_names, sums))
                    if i not in untrained
                }
            )
        values = self._trainer.metric_values(stats)
        for name, metric, value in zip(self._metric_names, self._metric_objects, values):
            logs[name] = result_value(metric._spec(), value)  # a float, or a vector (F1Score)
        # Metrics a traced call() updates (nerve.metrics.Mean attributes): their running results.
        for m in self._call_metrics():
            logs.setdefault(m.name, m.result())
        return dict(sorted(logs.items()))  # Keras's logs are sorted by name (pythonify_logs)
