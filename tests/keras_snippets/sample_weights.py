"""Training & evaluation guide: per-sample weights in fit() and evaluate()."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(3, activation="softmax")])
rng = np.random.default_rng(4)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.1),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
x_train = rng.normal(size=(30, 5)).astype("float32")
y_train = rng.integers(0, 3, size=(30,))
sample_weight = np.ones(shape=(len(y_train),))
sample_weight[y_train == 2] = 2.0

probs = model.predict(x_train, verbose=0)
nll = -np.log(probs[np.arange(30), y_train])
weighted = model.evaluate(x_train, y_train, sample_weight=sample_weight, verbose=0)
# Keras: the weighted loss is sum(w * loss) / number of samples
np.testing.assert_allclose(weighted[0], np.mean(sample_weight * nll), rtol=1e-5)

history = model.fit(
    x_train, y_train, sample_weight=sample_weight, batch_size=10, epochs=3, shuffle=False, verbose=0
)
results = {
    "weighted_eval": weighted,
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "kernel": model.get_weights()[0],
}
