"""The Playground's networks trained without the page: XOR, the circle and the spiral, each saved
as an animated GIF of its decision heat map and losses over the epochs (needs the viz extra:
pip install "nerve[viz]"). For the live page, run: python -m nerve.playground

Run: python examples/playground.py [--out playground_out]
(NERVE_QUICK=1: a few epochs and frames, the same code paths)
"""

import argparse
import os
from pathlib import Path

from nerve import viz

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="playground_out")
args = parser.parse_args()
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few epochs and frames

# The settings the page would use: what each problem needs to be learned in a few hundred epochs.
PROBLEMS = {
    "xor": {"dataset": "xor", "features": ["x1", "x2"], "hidden": [4], "learning_rate": 0.1},
    "circle": {"dataset": "circle", "features": ["x1", "x2"], "hidden": [4, 2],
               "learning_rate": 0.1},
    "spiral": {"dataset": "spiral", "noise": 5, "hidden": [8, 8],
               "features": ["x1", "x2", "sin(x1)", "sin(x2)"], "learning_rate": 0.03},
}  # fmt: skip
EPOCHS = {"xor": 200, "circle": 200, "spiral": 600}

for name, settings in PROBLEMS.items():
    epochs, frames = (4, 3) if QUICK else (EPOCHS[name], 30)
    path = out / f"{name}.gif"
    session = viz.playground_animation(path, settings, epochs=epochs, frames=frames)
    train_loss, test_loss = session.losses()
    print(
        f"{name:7s} {epochs:4d} epochs: training loss {train_loss:.3f}, "
        f"test loss {test_loss:.3f} -> {path}"
    )
