"""Keras's IoU metrics (IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU): a confusion matrix of
(true, predicted) class labels accumulated in C++ (nerve/metrics.h), and the mean over the target
classes of TP / (TP + FP + FN). Exported by nerve.metrics.

As in Keras, the matrix holds integers by default (dtype None): labels and sample weights are
cast to int (truncated); dtype="float32" keeps fractional weights. One weight per sample weighs
each of the sample's labels (Keras requires one weight per label)."""

from __future__ import annotations

from . import _core
from .metric_base import FromConfig, Metric
from .utils.keras_args import UnsupportedArgumentError, check_dtype

_K = _core.MetricKind
_INTEGER_DTYPES = ("int", "int32", "int64")


class _IoUBase(FromConfig, Metric):
    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(name, None)
        owner = f"{type(self).__name__} '{self.name}'"
        if isinstance(dtype, str) and dtype in _INTEGER_DTYPES:
            dtype = None  # Keras's default: an int confusion matrix
        if dtype is not None:
            check_dtype(owner, dtype)  # float32, or an error naming what is supported
        if axis != -1:
            raise UnsupportedArgumentError(
                f"{owner}: axis={axis!r} is not supported yet; nerve implements only Keras's "
                f"default axis=-1 (leave the argument out)"
            )
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"{owner}: num_classes must be an int >= 1, got {num_classes!r}")
        ids = [int(i) for i in target_class_ids]
        if ids and max(ids) >= num_classes:
            raise ValueError(
                f"{owner}: target class id {max(ids)} is out of range, which is [0, {num_classes})"
            )
        self.num_classes, self.target_class_ids = num_classes, ids
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = bool(sparse_y_true), bool(sparse_y_pred)
        self._integer_weights = dtype is None
        self.threshold = 0.5  # BinaryIoU's
        self._spec()  # checks the settings now

    def _spec(self, weighted=False):
        return _core.MetricSpec(
            self.kind,
            num_classes=self.num_classes,
            target_class_ids=self.target_class_ids,
            ignore_class=self.ignore_class,
            sparse_y_true=self.sparse_y_true,
            sparse_y_pred=self.sparse_y_pred,
            threshold=float(self.threshold),
            integer_weights=self._integer_weights,
            weighted=weighted,
        )

    def _dtype_config(self):
        return {} if self._integer_weights else {"dtype": "float32"}


class IoU(_IoUBase):
    """The mean IoU over target_class_ids (those that occur in predictions or targets)."""

    kind = _K.io_u

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name,
            dtype,
            ignore_class,
            sparse_y_true,
            sparse_y_pred,
            axis,
        )

    def get_config(self):
        return {
            **super().get_config(),
            **self._dtype_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class MeanIoU(_IoUBase):
    """The mean IoU over all classes (that occur)."""

    kind = _K.mean_io_u

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            range(num_classes) if isinstance(num_classes, int) else [],
            name,
            dtype,
            ignore_class,
            sparse_y_true,
            sparse_y_pred,
            axis,
        )

    def get_config(self):
        return {
            **super().get_config(),
            **self._dtype_config(),
            "num_classes": self.num_classes,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(_IoUBase):
    """IoU of two classes, a prediction >= threshold being class 1."""

    kind = _K.binary_io_u

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name, dtype)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(
                f"BinaryIoU '{self.name}': threshold must be a number, got {threshold!r}"
            )
        self.threshold = threshold

    def get_config(self):
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            **self._dtype_config(),
        }


class OneHotIoU(_IoUBase):
    """IoU over target_class_ids of one-hot targets (and scores, or labels with
    sparse_y_pred=True)."""

    kind = _K.one_hot_io_u

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes, target_class_ids, name, dtype, ignore_class, False, sparse_y_pred, axis
        )

    def get_config(self):
        return {
            **super().get_config(),
            **self._dtype_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class OneHotMeanIoU(_IoUBase):
    """The mean IoU over all classes of one-hot targets."""

    kind = _K.one_hot_mean_io_u

    def __init__(
        self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1
    ):
        super().__init__(
            num_classes,
            range(num_classes) if isinstance(num_classes, int) else [],
            name,
            dtype,
            ignore_class,
            False,
            sparse_y_pred,
            axis,
        )

    def get_config(self):
        return {
            **super().get_config(),
            **self._dtype_config(),
            "num_classes": self.num_classes,
            "ignore_class": self.ignore_class,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


CLASSES = (IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU)
