"""PyDataset (and its old name Sequence): batches a Python object computes by index, as Keras 3's
keras.utils.PyDataset. Subclass it, give __len__ (or the num_batches property: None for an
endless dataset) and __getitem__(index) returning a batch ((x, y), (x, y, sample_weight), or x
for predict), and pass the object to fit / evaluate / predict.

fit visits the batches of an epoch in a shuffled order when fit's shuffle is True (Keras's default;
evaluate and predict keep the order), calls on_epoch_begin() / on_epoch_end() around each epoch,
and reads an endless dataset steps_per_epoch batches at a time. workers, use_multiprocessing and
max_queue_size are accepted and kept as Keras keeps them, but nerve reads the batches on the
calling thread, one after the other: the same batches in the same order, without the prefetching.
"""

from __future__ import annotations


class PyDataset:
    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        self._lazy_init()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._lazy_init()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._lazy_init()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def _lazy_init(self):
        # A subclass whose __init__ forgot super().__init__() (Keras allows it): the defaults.
        for name, default in (
            ("_workers", 1),
            ("_use_multiprocessing", False),
            ("_max_queue_size", 10),
        ):
            if name not in self.__dict__:
                setattr(self, name, default)

    def __getitem__(self, index):
        """The batch at position `index`."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    @property
    def num_batches(self):
        """The number of batches, or None for an endless dataset (then fit needs
        steps_per_epoch). By default len(self)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement __len__ or the num_batches property "
            f"(None for an endless dataset)"
        )

    def __iter__(self):
        n = self.num_batches
        index = 0
        while n is None or index < n:
            yield self[index]
            index += 1

    def on_epoch_begin(self):
        """Called at the beginning of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset  # Keras 3 keeps the old name as an alias
