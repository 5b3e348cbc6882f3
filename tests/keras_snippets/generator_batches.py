"""Training & evaluation guide: fit on a Python generator of (x, y) batches with
steps_per_epoch; evaluate and predict on finite generators."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(16)
x_all = rng.normal(size=(24, 3)).astype("float32")
y_all = (x_all.sum(axis=1, keepdims=True) > 0).astype("float32")


def batch_generator(batch_size=6):
    while True:
        for i in range(0, len(x_all), batch_size):
            yield x_all[i : i + batch_size], y_all[i : i + batch_size]


model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        layers.Dense(4, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.2),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history = model.fit(batch_generator(), steps_per_epoch=4, epochs=3, verbose=0)


def finite_batches(with_targets=True):
    for i in range(0, 24, 8):
        yield (x_all[i : i + 8], y_all[i : i + 8]) if with_targets else (x_all[i : i + 8],)


evaluation = model.evaluate(finite_batches(), verbose=0)
array_evaluation = model.evaluate(x_all, y_all, batch_size=8, verbose=0)
np.testing.assert_allclose(evaluation, array_evaluation, rtol=1e-5)
predictions = model.predict(finite_batches(with_targets=False), verbose=0)
np.testing.assert_allclose(predictions, model.predict(x_all, verbose=0), rtol=1e-6)
results = {
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "evaluation": evaluation,
    "predictions": predictions,
}
