"""Losses docs: loss objects called directly on (y_true, y_pred), with sample_weight, and with
from_logits / label_smoothing."""

import numpy as np
import keras
from keras import layers

y_true = np.array([[0.0, 1.0], [0.0, 0.0]], "float32")
y_pred = np.array([[1.0, 1.0], [1.0, 0.0]], "float32")
mse = keras.losses.MeanSquaredError()
values = {
    "mse": float(mse(y_true, y_pred)),
    "mse_weighted": float(mse(y_true, y_pred, sample_weight=np.array([0.7, 0.3]))),
    "mae": float(keras.losses.MeanAbsoluteError()(y_true, y_pred)),
    "huber": float(keras.losses.Huber(delta=0.5)(y_true, y_pred * 1.7)),
}
assert abs(values["mse"] - 0.5) < 1e-6 and abs(values["mse_weighted"] - 0.25) < 1e-6
labels = np.array([0.0, 1.0, 0.0, 0.0], "float32").reshape(4, 1)
logits = np.array([-18.6, 0.51, 2.94, -12.8], "float32").reshape(4, 1)
values["bce_logits"] = float(keras.losses.BinaryCrossentropy(from_logits=True)(labels, logits))
values["bce_smooth"] = float(
    keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)(labels, logits)
)
onehot = np.array([[0, 1, 0], [0, 0, 1]], "float32")
probs = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]], "float32")
values["cce"] = float(keras.losses.CategoricalCrossentropy()(onehot, probs))
values["scce"] = float(keras.losses.SparseCategoricalCrossentropy()(np.array([1, 2]), probs))
values["kld"] = float(keras.losses.KLDivergence()(onehot + 0.1, probs + 0.1))
np.testing.assert_allclose(values["cce"], 1.177, rtol=1e-3)
results = values
