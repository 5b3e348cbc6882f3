"""nerve.distributed under a real `mpirun -np 2` (skipped without the mpi extra): two ranks
give the weights of one process training on the global batch, ranks that disagree fail
clearly, and a lost rank ends the job within the stated timeout instead of hanging.
_distributed_worker.py is what each rank runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nerve

pytest.importorskip("mpi4py", reason='needs the mpi extra: pip install "nerve[mpi]"')

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _distributed_worker as worker  # noqa: E402

MPIRUN = shutil.which("mpirun") or str(Path(sys.executable).parent / "mpirun")
if not os.path.exists(MPIRUN):
    pytest.skip("no mpirun (the mpi extra's openmpi)", allow_module_level=True)


def mpirun(scenario, out, np_=2, timeout=120, env=None):
    """Runs the worker on np_ ranks; (returncode, output, seconds)."""
    cmd = [MPIRUN, "-np", str(np_), "--allow-run-as-root", "--oversubscribe"]
    cmd += [sys.executable, str(HERE / "_distributed_worker.py"), scenario, str(out)]
    full_env = dict(os.environ, **(env or {}))
    python_dir = str(Path(nerve.__file__).resolve().parents[1])
    full_env["PYTHONPATH"] = os.pathsep.join([python_dir, full_env.get("PYTHONPATH", "")])
    full_env.setdefault("OMP_NUM_THREADS", "1")
    full_env.setdefault("NERVE_NUM_THREADS", "1")
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - t0


def weights(npz, prefix):
    return [
        npz[k]
        for k in sorted(
            (k for k in npz.files if k.startswith(prefix)), key=lambda k: int(k.split("_")[1])
        )
    ]


def single_process(kind, w0):
    """One process on the global batch (2 ranks x the per-rank batch), same start."""
    model = worker.build(kind)
    model.set_weights(w0)
    x, y = worker.data(kind)
    h = model.fit(
        x, y, batch_size=2 * worker.PER_RANK_BATCH, epochs=worker.EPOCHS, shuffle=False, verbose=0
    )
    return [np.array(w) for w in model.get_weights()], h.history


def run_ok(scenario, tmp_path):
    rc, out, _ = mpirun(scenario, tmp_path)
    assert rc == 0, out
    return [np.load(tmp_path / f"rank{r}.npz") for r in range(2)]


@pytest.mark.parametrize("kind", ["mlp", "cnn", "lstm"])
def test_two_ranks_match_one_process_on_the_global_batch(kind, tmp_path):
    r0, r1 = run_ok(kind, tmp_path)
    w0 = weights(r0, "w0_")
    for a, b in zip(w0, weights(r1, "w0_")):  # rank 0's start was broadcast
        np.testing.assert_array_equal(a, b)
    ref, history = single_process(kind, w0)
    for rank in (r0, r1):
        got = weights(rank, "w1_")
        moved = max(np.abs(g - s).max() for g, s in zip(got, w0))
        assert moved > 1e-3  # training did change the weights
        for g, want in zip(got, ref):
            np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-7)
    # the logged metrics are the global batch's, on every rank
    for rank in (r0, r1):
        np.testing.assert_allclose(rank["h_loss"], history["loss"], rtol=1e-5)
        np.testing.assert_allclose(rank["h_accuracy"], history["accuracy"], rtol=1e-6)
