"""Training & evaluation guide: fit with validation_data; the history has val_ entries per epoch,
and the last one equals evaluate() on the validation set."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(13)
inputs = keras.Input(shape=(7,), name="digits")
x = layers.Dense(12, activation="relu", name="dense_1")(inputs)
x = layers.Dense(12, activation="relu", name="dense_2")(x)
outputs = layers.Dense(4, activation="softmax", name="predictions")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=0.01),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)
x_train = rng.normal(size=(48, 7)).astype("float32")
y_train = rng.integers(0, 4, size=48)
x_val = rng.normal(size=(16, 7)).astype("float32")
y_val = rng.integers(0, 4, size=16)
history = model.fit(
    x_train,
    y_train,
    batch_size=16,
    epochs=3,
    shuffle=False,
    validation_data=(x_val, y_val),
    verbose=0,
)
final = model.evaluate(x_val, y_val, batch_size=16, verbose=0)
np.testing.assert_allclose(final[0], history.history["val_loss"][-1], rtol=1e-6)
results = dict(history.history)
results["keys"] = sorted(history.history)
results["final"] = final
