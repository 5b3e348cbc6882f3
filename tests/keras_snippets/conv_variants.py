"""Convolution and pooling options: strides, padding="same", dilation, AveragePooling2D,
GlobalMaxPooling2D, ZeroPadding2D, and Conv2D without bias."""

import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(9, 9, 2))
x = layers.ZeroPadding2D(padding=(1, 2))(inputs)
x = layers.Conv2D(3, 3, strides=2, padding="same", activation="relu")(x)
y = layers.Conv2D(4, (2, 3), dilation_rate=2, use_bias=False)(inputs)
y = layers.AveragePooling2D(pool_size=2, strides=1)(y)
outputs = [
    layers.GlobalMaxPooling2D()(x),
    layers.GlobalAveragePooling2D()(y),
    layers.MaxPooling2D(pool_size=3, strides=2, padding="same")(inputs),
]
model = keras.Model(inputs, outputs)
rng = np.random.default_rng(48)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
images = rng.normal(size=(2, 9, 9, 2)).astype("float32")
got = model.predict(images, verbose=0)
results = {f"out_{i}": g for i, g in enumerate(got)}
results["shapes"] = [list(s) for s in model.output_shape]
results["weight_shapes"] = [list(w.shape) for w in model.get_weights()]
