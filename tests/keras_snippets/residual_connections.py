"""Functional API guide: a toy ResNet, Conv2D blocks whose output is added to their input."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 3), name="img")
x = layers.Conv2D(4, 3, activation="relu")(inputs)
block_1_output = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(4, 3, activation="relu", padding="same")(block_1_output)
x = layers.Conv2D(4, 3, activation="relu", padding="same")(x)
block_2_output = layers.add([x, block_1_output])
x = layers.GlobalAveragePooling2D()(block_2_output)
x = layers.Dense(8, activation="relu")(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name="toy_resnet")
rng = np.random.default_rng(22)
model.set_weights([rng.uniform(-0.3, 0.3, w.shape).astype("float32") for w in model.get_weights()])
images = rng.uniform(0, 1, size=(6, 8, 8, 3)).astype("float32")
logits = model.predict(images, verbose=0)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.01),
    loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    metrics=["acc"],
)
evaluation = model.evaluate(images, keras.utils.to_categorical([0, 1, 2, 0, 1, 2], 3), verbose=0)
results = {
    "logits": logits,
    "evaluation": evaluation,
    "n_layers": len(model.layers),
    "params": model.count_params(),
}
