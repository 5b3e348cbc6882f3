"""XOR: a 2-16-1 sigmoid network, mean squared error, SGD with learning rate 0.1.

Run: python examples/xor.py
"""

import os

import numpy as np

import nerve
from nerve.layers import Dense

nerve.utils.set_random_seed(0)
x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
y = np.array([[0], [1], [1], [0]], dtype="float32")

model = nerve.Sequential(
    [
        nerve.Input(shape=(2,)),
        Dense(16, activation="sigmoid"),
        Dense(1, activation="sigmoid"),
    ]
)
model.compile(optimizer=nerve.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["accuracy"])
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: one short round
rounds, epochs = (1, 100) if QUICK else (6, 2500)
for round_ in range(1, rounds + 1):
    history = model.fit(x, y, batch_size=4, epochs=epochs, verbose=0)
    print(
        f"epoch {epochs * round_:5d} - loss {history.history['loss'][-1]:.4f} "
        f"- accuracy {history.history['accuracy'][-1]:.2f}"
    )

for inputs, target, out in zip(x, y, model.predict(x)):
    print(f"{inputs[0]:.0f} xor {inputs[1]:.0f} = {target[0]:.0f}  ->  {out[0]:.3f}")
correct = int(((model.predict(x) > 0.5) == (y > 0.5)).sum())
print(f"{correct}/4 correct")
