"""Metrics docs: AUC (ROC and PR) standalone and in compile()."""

import numpy as np
import keras
from keras import layers

m = keras.metrics.AUC(num_thresholds=3)
m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
roc_3 = float(m.result())
rng = np.random.default_rng(39)
labels = rng.integers(0, 2, size=(64, 1)).astype("float32")
scores = np.clip(labels * 0.3 + rng.uniform(0, 0.7, size=(64, 1)), 0, 1).astype("float32")
roc = keras.metrics.AUC()
roc.update_state(labels, scores)
pr = keras.metrics.AUC(curve="PR")
pr.update_state(labels, scores)

model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")])
model.set_weights([np.array([[0.8], [-0.3]], "float32"), np.array([0.1], "float32")])
model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
x = rng.normal(size=(64, 2)).astype("float32")
evaluation = model.evaluate(x, labels, verbose=0, return_dict=True)
results = {
    "roc_3": roc_3,
    "roc": float(roc.result()),
    "pr": float(pr.result()),
    "evaluation": evaluation,
}
