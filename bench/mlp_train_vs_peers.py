"""Issue 17's MLP training row: Dense 784-256-128-10 at batch 128, nerve against PyTorch CPU and
Keras 3/JAX, in blocks alternating between the frameworks, each in its own process (medians,
ratios, peak RSS of each). What a block is and how it is timed: bench/_train_rows.py.

Run: python bench/mlp_train_vs_peers.py [--threads 2] [--rounds 7] [--steps 100] [--quick]
                                        [--peers torch,keras] [--clock wall|thread|process]
"""

import _train_rows

if __name__ == "__main__":
    _train_rows.main("mlp", __file__)
