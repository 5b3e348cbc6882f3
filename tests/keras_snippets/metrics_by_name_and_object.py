"""compile(metrics=...) mixing names and metric objects; the history is keyed by the metric
names (the object's `name` when given)."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(25)
x = rng.normal(size=(32, 4)).astype("float32")
y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
model = keras.Sequential(
    [
        keras.Input(shape=(4,)),
        layers.Dense(6, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.02),
    loss="binary_crossentropy",
    metrics=[
        "accuracy",
        keras.metrics.Precision(name="prec"),
        keras.metrics.Recall(),
        "mse",
        keras.metrics.BinaryAccuracy(threshold=0.7, name="acc_at_0.7"),
    ],
)
history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
evaluation = model.evaluate(x, y, verbose=0, return_dict=True)
results = dict(history.history)
results["keys"] = sorted(history.history)
results["evaluation"] = evaluation
