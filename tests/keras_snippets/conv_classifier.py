"""The "simple MNIST convnet" layout on small random images: Conv2D, MaxPooling2D, Flatten,
Dropout, Dense softmax, trained with Adam and categorical cross-entropy (dropout off, so both
libraries take the same steps)."""

import numpy as np
import keras
from keras import layers

num_classes = 3
input_shape = (10, 10, 1)
model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(4, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(6, kernel_size=(3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.0),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
rng = np.random.default_rng(27)
model.set_weights([rng.uniform(-0.3, 0.3, w.shape).astype("float32") for w in model.get_weights()])
x_train = rng.uniform(0, 1, size=(24,) + input_shape).astype("float32")
y_train = keras.utils.to_categorical(rng.integers(0, num_classes, size=24), num_classes)
model.compile(
    loss="categorical_crossentropy",
    optimizer=keras.optimizers.Adam(learning_rate=0.01),
    metrics=["accuracy"],
)
history = model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False, verbose=0)
score = model.evaluate(x_train, y_train, verbose=0)
results = {
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "score": score,
    "output_shape": list(model.output_shape),
}
