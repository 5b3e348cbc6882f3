"""XOR: a 2-16-1 sigmoid network, mean squared error, SGD with learning rate 0.1.

Run: python examples/xor.py
"""

import numpy as np

import nerve
from nerve.layers import Dense

nerve.utils.set_random_seed(0)
x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
y = np.array([[0], [1], [1], [0]], dtype="float32")

model = nerve.Sequential([
    nerve.Input(shape=(2,)),
    Dense(16, activation="sigmoid"),
    Dense(1, activation="sigmoid"),
])
model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["accuracy"])
for round_ in range(1, 7):
    history = model.fit(x, y, batch_size=4, epochs=2500, verbose=0)
    print(f"epoch {2500 * round_:5d} - loss {history.history['loss'][-1]:.4f} "
          f"- accuracy {history.history['accuracy'][-1]:.2f}")

for inputs, target, out in zip(x, y, model.predict(x)):
    print(f"{inputs[0]:.0f} xor {inputs[1]:.0f} = {target[0]:.0f}  ->  {out[0]:.3f}")
correct = int(((model.predict(x) > 0.5) == (y > 0.5)).sum())
print(f"{correct}/4 correct")
