"""Layer docs: activity_regularizer adds a penalty on the layer's output to the training loss
(Keras 3: the penalty of a batch, divided by the batch size)."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        layers.Dense(4, activity_regularizer=keras.regularizers.L2(0.1)),
        layers.Dense(1),
    ]
)
rng = np.random.default_rng(37)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
x = rng.normal(size=(8, 3)).astype("float32")
y = rng.normal(size=(8, 1)).astype("float32")
evaluation = model.evaluate(x, y, batch_size=8, verbose=0)
history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
results = {"evaluation": evaluation, "loss": history.history["loss"]}
