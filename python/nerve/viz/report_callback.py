"""Report: a callback that writes nerve.viz.report's HTML page at the end of training (and every
`freq` epochs), with the weight histograms it records after each epoch.

It lives in nerve.viz, not nerve.callbacks: it draws with nerve.viz, which reads models, and
nerve.models imports nerve.callbacks (fit's CallbackList and History), so a callback there could
not import the drawing code without an import cycle."""

from __future__ import annotations

import numpy as np

from ..callbacks.callback import Callback
from ._deps import require_matplotlib
from .report import check_report_path, check_samples, report
from .weight_history import WeightHistory


class Report(Callback):
    """model.fit(..., callbacks=[nerve.viz.Report("report.html", x=x_test[:200], y=y_test[:200])])

    Records a histogram of every weight before training and after each epoch, collects the
    epoch logs, and writes the report (see nerve.viz.report) when training ends, and also after
    every `freq` epochs when freq > 0, so a browser shows the run while it trains (reload the
    page). `x`, `y`: samples whose predictions the report shows (with the mistakes); `bins`:
    histogram bins; `max_samples`, `class_names`, `title`, `batch_size`: as in report.
    The path and the samples are checked here, before any training step."""

    def __init__(
        self,
        path,
        x=None,
        y=None,
        freq: int = 0,
        bins: int = 30,
        max_samples: int = 32,
        class_names=None,
        title=None,
        batch_size=None,
    ):
        super().__init__()
        require_matplotlib()  # fail now, not after the last epoch
        self.path = check_report_path(path, "Report")
        self.x, self.y = check_samples(x, y, "Report")
        if isinstance(freq, bool) or not isinstance(freq, (int, np.integer)) or freq < 0:
            raise ValueError(f"Report: freq must be an integer >= 0 (epochs), got {freq!r}")
        self.freq = int(freq)
        self.weight_history = WeightHistory(bins)  # validates bins
        self.bins = self.weight_history.bins
        self.max_samples = max_samples
        self.class_names = class_names
        self.title = title
        self.batch_size = batch_size
        self.logs: dict = {}
        self._epochs_done = 0
        self._written_at = None  # epochs done when the file was last written

    def on_train_begin(self, logs=None):
        self.logs = {}
        self._epochs_done = 0
        self._written_at = None
        self.weight_history = WeightHistory(self.bins)
        self.weight_history.record(self.model, 0)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.logs.setdefault(key, []).append(float(value))
        self._epochs_done += 1
        self.weight_history.record(self.model, self._epochs_done)
        if self.freq and self._epochs_done % self.freq == 0:
            self.write()

    def on_train_end(self, logs=None):
        if self._written_at != self._epochs_done:
            self.write()

    def write(self) -> str:
        """Writes the report now (what the hooks call); returns its path."""
        report(
            self.model,
            self.logs,
            self.path,
            x=self.x,
            y=self.y,
            max_samples=self.max_samples,
            class_names=self.class_names,
            title=self.title,
            weight_history=self.weight_history,
            batch_size=self.batch_size,
        )
        self._written_at = self._epochs_done
        return self.path
