"""Model subclassing (Model docs): layers made in __init__, the forward pass in call(); fit,
evaluate and predict work as for functional models."""

import numpy as np
import keras
from keras import layers


class MyModel(keras.Model):
    def __init__(self, hidden=6, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = layers.Dense(hidden, activation="relu")
        self.dense2 = layers.Dense(hidden, activation="relu")
        self.dense3 = layers.Dense(2, activation="softmax")

    def call(self, inputs):
        x = self.dense1(inputs)
        return self.dense3(self.dense2(x) + x)


model = MyModel(hidden=6)
rng = np.random.default_rng(31)
model(np.zeros((1, 4), "float32"))  # the first call creates the weights
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(16, 4)).astype("float32")
y = rng.integers(0, 2, size=16)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.1),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
results = {
    "loss": history.history["loss"],
    "pred": model.predict(x, verbose=0),
    "n_weights": len(model.trainable_weights),
    "eval": model.evaluate(x, y, verbose=0),
}
