#!/usr/bin/env bash
# Runs one bench script under two builds of nerve, in ABBA order (before, after, after, before,
# ...), so a drift of the machine's speed hits both alike; each run prints its own ratios against
# its peer (PyTorch, numpy), timed inside that run. Use it to show a change does not slow nerve:
#
#   bench/compare_builds.sh /path/to/old/python /path/to/new/python 2 bench/train_vs_torch.py --samples 12000
#
# Each PYTHONPATH holds a `nerve` package with its compiled _core (a source tree with the .so copied
# in, or a site-packages). Time it only on an otherwise quiet machine.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 BEFORE_PYTHONPATH AFTER_PYTHONPATH ROUNDS SCRIPT [ARGS...]" >&2
  exit 2
fi
before=$1 after=$2 rounds=$3
shift 3
for ((r = 0; r < rounds; r++)); do
  if ((r % 2 == 0)); then order=("before" "after"); else order=("after" "before"); fi
  for which in "${order[@]}"; do
    path=$before
    [ "$which" = after ] && path=$after
    echo "=== round $((r + 1)), $which ($path)"
    PYTHONPATH=$path python "$@"
  done
done
