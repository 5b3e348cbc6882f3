"""Functional API guide: two outputs with their own losses and loss_weights (a list); the total
loss is the weighted sum of the per-output losses."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(5,))
shared = layers.Dense(8, activation="relu")(inputs)
score = layers.Dense(1, name="score")(shared)
label = layers.Dense(3, activation="softmax", name="label")(shared)
model = keras.Model(inputs=inputs, outputs=[score, label])
rng = np.random.default_rng(26)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.05),
    loss=["mse", "sparse_categorical_crossentropy"],
    loss_weights=[1.0, 0.2],
    metrics=[[], ["accuracy"]],
)
x = rng.normal(size=(30, 5)).astype("float32")
y_score = rng.normal(size=(30, 1)).astype("float32")
y_label = rng.integers(0, 3, size=30)
before = model.evaluate(x, [y_score, y_label], verbose=0, return_dict=True)
np.testing.assert_allclose(
    before["loss"], before["score_loss"] + 0.2 * before["label_loss"], rtol=1e-5
)
history = model.fit(x, [y_score, y_label], batch_size=10, epochs=2, shuffle=False, verbose=0)
results = {"before": before, "keys": sorted(history.history)}
results.update(history.history)
