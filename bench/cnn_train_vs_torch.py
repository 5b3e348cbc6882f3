"""Issue 17's CNN training row: the MNIST CNN (Conv2D 32, Conv2D 64, MaxPool, Dense 128, Dense 10)
at batch 64, nerve against PyTorch CPU (and Keras 3/JAX with --peers torch,keras), in blocks
alternating between the frameworks, each in its own process (medians, ratios, peak RSS of each).
What a block is and how it is timed: bench/_train_rows.py.

Run: python bench/cnn_train_vs_torch.py [--threads 2] [--rounds 7] [--steps 20] [--quick]
                                        [--peers torch] [--clock wall|thread|process]
"""

import _train_rows

if __name__ == "__main__":
    _train_rows.main("cnn", __file__)
