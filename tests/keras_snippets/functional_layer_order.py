"""model.layers of branching functional models lists layers in Keras' order (by depth, then
graph traversal), which is also the order of get_weights / set_weights: weights copied as a
list between the libraries land in the same layers."""

import numpy as np
import keras
from keras import layers

title = keras.Input(shape=(4,), name="title")
body = keras.Input(shape=(6,), name="body")
tags = keras.Input(shape=(2,), name="tags")
unused = keras.Input(shape=(1,), name="unused")
t = layers.Dense(3, name="title_dense")(title)
b = layers.Dense(3, name="body_dense")(layers.Dense(5, name="body_pre")(body))
merged = layers.concatenate([t, b, tags], name="merge")
first = layers.Dense(1, name="first")(merged)
second = layers.Dense(2, name="second")(layers.Dense(4, name="second_pre")(merged))
multi = keras.Model([title, body, tags, unused], [first, second])

shared = layers.Dense(3, name="shared")
left = keras.Input(shape=(3,), name="left")
right = keras.Input(shape=(3,), name="right")
deep_right = layers.Dense(3, name="deep")(right)
siamese = keras.Model([left, right], layers.add([shared(left), shared(deep_right)], name="sum"))

inputs = keras.Input(shape=(4,), name="x")
skip = layers.Dense(4, name="skip")(inputs)
main = layers.Dense(4, name="main_2")(layers.Dense(4, name="main_1")(inputs))
residual = keras.Model(inputs, layers.add([skip, main], name="join"))

results = {}
for name, model in [("multi", multi), ("siamese", siamese), ("residual", residual)]:
    results[name] = [layer.name for layer in model.layers]
    rng = np.random.default_rng(53)
    model.set_weights(
        [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    )
    results[name + "_weights"] = model.get_weights()
