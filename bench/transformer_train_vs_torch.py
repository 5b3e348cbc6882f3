"""Issue 17's transformer row: the examples' transformer (Dense 64, position embedding, 2 encoder
blocks d=64 with 4 heads of 16 and feed-forward 128, average pooling, Dense 10) on 28 tokens of 28
features at batch 64, nerve against PyTorch CPU (nn.TransformerEncoderLayer, dropout 0), in
blocks alternating between the frameworks, each in its own process (medians, ratios, peak RSS of
each). What a block is and how it is timed: bench/_train_rows.py.

Run: python bench/transformer_train_vs_torch.py [--threads 2] [--rounds 7] [--steps 20] [--quick]
                                                [--clock wall|thread|process]
"""

import _train_rows

if __name__ == "__main__":
    _train_rows.main("transformer", __file__)
