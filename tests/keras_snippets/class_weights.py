"""Training & evaluation guide: class_weight maps class index to a weight."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(4,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(3, activation="softmax"),
    ]
)
rng = np.random.default_rng(5)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
class_weight = {0: 1.0, 1: 1.0, 2: 3.0}
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.1),
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)
x_train = rng.normal(size=(24, 4)).astype("float32")
y_train = rng.integers(0, 3, size=(24, 1))
history = model.fit(
    x_train, y_train, class_weight=class_weight, batch_size=8, epochs=3, shuffle=False, verbose=0
)
results = {
    "loss": history.history["loss"],
    "accuracy": history.history["sparse_categorical_accuracy"],
    "weights": model.get_weights()[2],
}
