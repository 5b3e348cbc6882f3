"""Metrics API docs: metric objects keep state across update_state calls until reset_state."""

import numpy as np
import keras
from keras import layers

m = keras.metrics.BinaryAccuracy()
m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
first = float(m.result())
m.update_state([[1], [0]], [[0.2], [0.1]], sample_weight=[2.0, 1.0])
second = float(m.result())
m.reset_state()
m.update_state([[1]], [[0.9]])
after_reset = float(m.result())
assert abs(first - 0.75) < 1e-6 and abs(second - 4.0 / 7.0) < 1e-6 and after_reset == 1.0

p = keras.metrics.Precision()
p.update_state([0, 1, 1, 1], [1, 0, 1, 1])
precision = float(p.result())
r = keras.metrics.Recall()
r.update_state([0, 1, 1, 1], [1, 0, 1, 1])
recall = float(r.result())
mse = keras.metrics.MeanSquaredError()
mse.update_state([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
mse.update_state([[1.0, 1.0]], [[0.5, 0.0]])
cat = keras.metrics.CategoricalAccuracy()
cat.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
results = {
    "first": first,
    "second": second,
    "after_reset": after_reset,
    "precision": precision,
    "recall": recall,
    "mse": float(mse.result()),
    "categorical": float(cat.result()),
}
