"""A Keras-style progress bar.

Output, modelled on Keras 3 (plain text, no colour codes)::

    469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.9340 - loss: 0.2206

While an epoch runs (only on a terminal) the line is redrawn in place with ``\\r``
and shows the estimated time left::

    123/469 ━━━━━──────────────── ETA: 2s 6ms/step - accuracy: 0.9012 - loss: 0.3301

* ``verbose=1``: on a TTY the line is redrawn at most every ``interval`` seconds
  (the final update is always drawn). On anything else (CI logs, pipes, files)
  only the final line of the epoch is written: no ``\\r`` noise.
* ``verbose=2``: one line per epoch, at the end: ``469/469 - 3s - 6ms/step - loss: 0.2206``.
* ``verbose=0``: silent.

Like Keras, an update is *final* when ``finalize=True`` is passed or, when
``finalize`` is left ``None``, when ``current >= target``. A training loop that
adds validation metrics at the end of the epoch should pass ``finalize=False``
to its per-batch updates and ``finalize=True`` to the epoch-end update, so that
the final line is written once.

This module is pure Python (+ numpy for array-valued metrics); it never imports
the compiled engine.
"""

from __future__ import annotations

import math
import sys
import time

__all__ = ["Progbar"]

_DONE = "━"
_TODO = "─"
_ONE_OF_ONE = "1/1 " + _DONE * 20  # a finished one-step bar of the default width


def _now():
    # Module-level so tests can substitute a fake clock.
    return time.time()


def _to_float(v):
    try:
        return float(v)
    except TypeError:
        import numpy as np

        return float(np.mean(np.asarray(v, dtype=np.float64)))


def _format_value(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        try:
            v = _to_float(v)
        except (TypeError, ValueError):
            return str(v)
    v = float(v)
    if abs(v) >= 1e-3:
        return f"{v:.4f}"
    return f"{v:.4e}"


def _format_eta(eta):
    if eta > 3600:
        return f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _format_time_per_unit(t, unit_name):
    if t >= 1 or t == 0:
        return f"{t:.0f}s/{unit_name}"
    if t >= 1e-3:
        return f"{t * 1e3:.0f}ms/{unit_name}"
    return f"{t * 1e6:.0f}us/{unit_name}"


class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, ``None`` if unknown.
        width: progress bar width on screen, in characters.
        verbose: 0 (silent), 1 (progress bar), 2 (one line at the end).
        stateful_metrics: names of metrics that are shown as given, not
            averaged over the steps (e.g. a metric that is already a running
            value, or a validation metric).
        unit_name: display name for the step counts (usually "step" or "sample").
        file: the text stream to write to; default ``sys.stdout``, looked up
            at each write.
        interval: minimum seconds between two redraws on a TTY.
    """

    def __init__(
        self,
        target,
        width=20,
        verbose=1,
        stateful_metrics=None,
        unit_name="step",
        file=None,
        interval=0.05,
    ):
        self.target = target
        self.width = int(width)
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._file = file

        # name -> [weighted sum, weight] (averaged) or the raw value (stateful)
        self._values = {}
        self._values_order = []
        self._seen_so_far = 0
        self._start = _now()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    # ------------------------------------------------------------------ public

    @property
    def file(self):
        return self._file if self._file is not None else sys.stdout

    def update(self, current, values=None, finalize=None):
        """Update the bar.

        Args:
            current: index of the current step (the number of steps done).
            values: list of ``(name, value)`` pairs (or a dict). Values of names
                not in ``stateful_metrics`` are averaged over the steps,
                weighted by the number of steps each update covers.
            finalize: whether this is the last update of the bar; ``None``
                means ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target

        if values is None:
            values = []
        elif isinstance(values, dict):
            values = list(values.items())
        for k, v in values:
            if k not in self._values_order:
                self._values_order.append(k)
            if k in self.stateful_metrics:
                self._values[k] = v
            else:
                weight = max(current - self._seen_so_far, 1)
                v = _to_float(v)
                if k in self._values and isinstance(self._values[k], list):
                    self._values[k][0] += v * weight
                    self._values[k][1] += weight
                else:
                    self._values[k] = [v * weight, weight]
        self._seen_so_far = current

        now = _now()
        time_per_unit = self._estimate_step_duration(current, now)

        if self.verbose == 1:
            stream = self.file
            dynamic = self._isatty(stream)
            if not finalize and (not dynamic or now - self._last_update < self.interval):
                return
            line = self._line_v1(current, now, time_per_unit, finalize)
            if dynamic:
                width = len(line)
                pad = " " * max(self._prev_total_width - width, 0)
                msg = "\r" + line + pad
                self._prev_total_width = width
            else:
                msg = line
            if finalize:
                msg += "\n"
                self._prev_total_width = 0
            self._write(stream, msg)
        elif self.verbose == 2:
            if finalize:
                self._write(self.file, self._line_v2(current, now, time_per_unit) + "\n")

        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    @staticmethod
    def now():
        """The bar's clock (what a bar made now takes as its start)."""
        return _now()

    @classmethod
    def write_one_step(cls, start, verbose=1, unit_name="step", file=None):
        """What ``Progbar(None, verbose=verbose, ...)`` made at time ``start`` writes when given
        ``target = 1`` and updated with ``update(1, finalize=True)``: the one line of a
        one-batch ``predict`` (``1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step``), written without
        building a bar. A one-sample ``predict`` in a loop spent more time making and
        updating the bar (about 8 us) than on a small model's forward pass."""
        if verbose not in (1, 2):
            return
        t = _now() - start
        # The usual case, formatted as _format_time_per_unit and f"{t:.0f}s" would (round() and
        # .0f both round half to even), at a third of their cost.
        if 0 < t < 1e-3:
            secs, per_step = "0", f"{round(t * 1e6)}us/{unit_name}"
        elif 1e-3 <= t < 0.5:
            secs, per_step = "0", f"{round(t * 1e3)}ms/{unit_name}"
        else:
            secs, per_step = f"{t:.0f}", _format_time_per_unit(t, unit_name)
        stream = file if file is not None else sys.stdout
        if verbose == 2:
            cls._write(stream, f"1/1 - {secs}s - {per_step}\n")
        elif cls._isatty(stream):
            cls._write(stream, f"\r{_ONE_OF_ONE} {secs}s {per_step}\n")
        else:
            cls._write(stream, f"{_ONE_OF_ONE} {secs}s {per_step}\n")

    # ----------------------------------------------------------------- helpers

    @staticmethod
    def _isatty(stream):
        try:
            return bool(stream.isatty())
        except (AttributeError, ValueError, OSError):
            return False

    @staticmethod
    def _write(stream, msg):
        stream.write(msg)
        try:
            stream.flush()
        except (AttributeError, ValueError, OSError):
            pass

    def _estimate_step_duration(self, current, now):
        # Like Keras: after the first step, leave it out of the estimate (it
        # usually includes one-off costs such as building the model).
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            t = (now - self._time_after_first_step) / (current - 1)
        else:
            t = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return t

    def _count(self, current):
        if self.target is None:
            return f"{int(current):7d}/Unknown"
        numdigits = int(math.log10(max(self.target, 1))) + 1
        return ("%" + str(numdigits) + "d/%d") % (current, self.target)

    def _metrics(self):
        parts = []
        for k in self._values_order:
            v = self._values[k]
            if isinstance(v, list):
                v = v[0] / max(1, v[1])
            parts.append(f" - {k}: {_format_value(v)}")
        return "".join(parts)

    def _line_v1(self, current, now, time_per_unit, finalize):
        line = self._count(current)
        if self.target is not None:
            prog = min(max(float(current) / self.target, 0.0), 1.0) if self.target else 1.0
            done = int(self.width * prog)
            line += " " + _DONE * done + _TODO * (self.width - done)
        if self.target is not None and not finalize:
            line += " ETA: " + _format_eta(time_per_unit * (self.target - current))
        else:
            line += f" {now - self._start:.0f}s"
        line += " " + _format_time_per_unit(time_per_unit, self.unit_name)
        return line + self._metrics()

    def _line_v2(self, current, now, time_per_unit):
        if self.target is None:
            count = f"{current}/Unknown"
        else:
            count = self._count(current)
        line = f"{count} - {now - self._start:.0f}s - "
        line += _format_time_per_unit(time_per_unit, self.unit_name)
        return line + self._metrics()
