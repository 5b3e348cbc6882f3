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


def single_process(kind, w0, n=None):
    """One process on the global batch (2 ranks x the per-rank batch), same start, on 2 threads
    whatever the machine or an earlier test set: a convolution's weight gradient adds up one
    partial sum per thread, so 2 threads sum in the order of the 2 ranks' allreduce."""
    model = worker.build(kind)
    model.set_weights(w0)
    x, y = worker.data(kind)
    x, y = x[:n], y[:n]
    previous = nerve.runtime.num_threads()
    nerve.runtime.set_num_threads(2)
    try:
        h = model.fit(
            x,
            y,
            batch_size=2 * worker.PER_RANK_BATCH,
            epochs=worker.EPOCHS,
            shuffle=False,
            verbose=0,
        )
    finally:
        nerve.runtime.set_num_threads(previous)
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


def test_uneven_last_batch_is_weighted_as_one_global_batch(tmp_path):
    # 61 samples: the last global batch of 13 is 6 on rank 0 and 7 on rank 1; the gradients are
    # weighted by batch size, so the result is still the global batch's.
    r0, r1 = run_ok("uneven", tmp_path)
    ref, history = single_process("mlp", weights(r0, "w0_"), n=worker.UNEVEN)
    for rank in (r0, r1):
        for g, want in zip(weights(rank, "w1_"), ref):
            np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(rank["h_loss"], history["loss"], rtol=1e-5)


class _Role:
    def __init__(self, trainable):
        self.trainable = trainable


def _weight_roles(model):
    """Per entry of get_weights(): whether it is trainable (by the tensors' memory)."""

    def where(w):
        return np.asarray(w).__array_interface__["data"][0]

    trainable = {where(w) for w in model.trainable_weights}
    return [_Role(where(w) in trainable) for w in model.weights]


def test_batch_normalization_statistics_are_not_synchronized(tmp_path):
    # Each rank normalizes with its own batch's mean and variance (as Horovod's plain
    # BatchNormalization): the trainable weights stay identical across ranks (their gradients
    # are averaged), but the moving statistics are each rank's own, and the result is not the
    # global batch's.
    r0, r1 = run_ok("bn", tmp_path)
    model = worker.build("bn")
    n_trainable = sum(len(layer.trainable_weights) for layer in model.layers)
    assert n_trainable == len(model.weights) - 2  # BatchNormalization's two moving statistics
    a, b = weights(r0, "w1_"), weights(r1, "w1_")
    kinds = ["trainable" if w.trainable else "moving" for w in _weight_roles(model)]
    for i, (kind, x, y) in enumerate(zip(kinds, a, b)):
        if kind == "trainable":
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7, err_msg=f"weight {i}")
        else:
            assert np.abs(x - y).max() > 1e-4, f"weight {i}"  # each rank's own statistics
    assert kinds.count("moving") == 2
    ref, _ = single_process("bn", weights(r0, "w0_"))
    diff = max(np.abs(x - r).max() / (np.abs(r).max() + 1e-12) for x, r in zip(a, ref))
    assert diff > 1e-4  # not the global batch's statistics


def _assert_global_batch_result(ranks, ref):
    """Every weight of every rank (trainable ones and moving statistics) is the one-process
    result on the global batch within 1e-6 relative to the tensor's largest entry (entries near
    zero carry the summation order's rounding, about 1e-7 absolute here)."""
    for rank in ranks:
        got = weights(rank, "w1_")
        assert len(got) == len(ref)
        for i, (g, want) in enumerate(zip(got, ref)):
            err = np.abs(g - want).max() / np.abs(want).max()
            assert err < 1e-6, f"weight {i} {want.shape}: relative difference {err:.3g}"


def test_synchronized_batch_normalization_matches_one_process_on_the_global_batch(tmp_path):
    # A CNN with BatchNormalization(synchronized=True) per channel after Conv2D and per feature
    # after Dense: the statistics, their gradients and the moving statistics are the global
    # batch's, so 2 ranks give one process's weights and moving statistics.
    r0, r1 = run_ok("sync_bn_cnn", tmp_path)
    w0 = weights(r0, "w0_")
    ref, history = single_process("sync_bn_cnn", w0)
    assert max(np.abs(g - s).max() for g, s in zip(weights(r0, "w1_"), w0)) > 1e-3
    model = worker.build("sync_bn_cnn")
    moving = [not r.trainable for r in _weight_roles(model)]
    assert moving.count(True) == 4  # two layers' moving mean and variance
    for i in np.flatnonzero(moving):  # the moving statistics did move
        assert np.abs(weights(r0, "w1_")[i] - w0[i]).max() > 1e-3, f"weight {i}"
    _assert_global_batch_result((r0, r1), ref)
    for rank in (r0, r1):
        np.testing.assert_allclose(rank["h_loss"], history["loss"], rtol=1e-5)


def test_synchronized_batch_normalization_weights_an_uneven_last_batch(tmp_path):
    # 61 samples: the last global batch splits 6 / 7, and the statistics' gradients are weighted
    # as the GradientReducer weights the ranks, so the result is still the global batch's.
    r0, r1 = run_ok("sync_bn_uneven", tmp_path)
    ref, _ = single_process("sync_bn_cnn", weights(r0, "w0_"), n=worker.UNEVEN)
    _assert_global_batch_result((r0, r1), ref)


def test_unsynchronized_batch_normalization_in_a_cnn_differs_from_the_global_batch(tmp_path):
    # The same CNN with synchronized=False: each rank's statistics are its own (documented).
    r0, r1 = run_ok("bn_cnn", tmp_path)
    ref, _ = single_process("bn_cnn", weights(r0, "w0_"))
    a, b = weights(r0, "w1_"), weights(r1, "w1_")
    model = worker.build("bn_cnn")
    for i, role in enumerate(_weight_roles(model)):
        if not role.trainable:
            assert np.abs(a[i] - b[i]).max() > 1e-4, f"weight {i}"  # each rank's own
    diff = max(np.abs(x - r).max() / (np.abs(r).max() + 1e-12) for x, r in zip(a, ref))
    assert diff > 1e-4


def test_synchronized_batch_normalization_with_a_nan_loss_stops_every_rank(tmp_path):
    # Synchronized BatchNormalization also communicates in backward: the ranks agree on the
    # loss being finite before it, so a NaN on rank 1 only (in the output layer, after the
    # synchronized statistics) ends every rank at the same step, with no wait.
    rc, out, seconds = mpirun("sync_bn_nan", tmp_path, timeout=60, env={"NERVE_TEST_TIMEOUT": "20"})
    assert rc != 0
    assert "NonFiniteLossError" in out and "epoch 1, step 3" in out
    assert "waited" not in out
    assert seconds < 20


def test_ranks_that_build_different_models_fail_at_the_first_broadcast(tmp_path):
    rc, out, seconds = mpirun("mismatch", tmp_path, timeout=60)
    assert rc != 0
    assert "rank 1 built a different model than rank 0: layer 'dense'" in out
    assert "(6, 16)" in out and "(6, 17)" in out


def test_a_rank_with_an_empty_shard_gets_a_clear_error(tmp_path):
    rc, out, _ = mpirun("empty", tmp_path, timeout=60)
    assert rc != 0
    assert "1 samples cannot be shared by 2 ranks" in out


def test_a_killed_rank_ends_the_job_quickly(tmp_path):
    # Rank 1 SIGKILLs itself mid-epoch: mpirun ends rank 0 and reports it; no hang.
    rc, out, seconds = mpirun("kill", tmp_path, timeout=60)
    assert rc != 0
    assert "rank 1" in out and "signal 9" in out
    assert seconds < 30
    assert not (tmp_path / "rank0.npz").exists()


def test_a_stalled_rank_makes_the_other_fail_within_the_timeout(tmp_path):
    # Rank 1 stops answering (alive, so mpirun cannot tell): rank 0's allreduce gives up after
    # the stated timeout with an error that says why, and aborts the job.
    rc, out, seconds = mpirun("stall", tmp_path, timeout=60, env={"NERVE_TEST_TIMEOUT": "3"})
    assert rc != 0
    assert "rank 0 of 2 waited 3 s for the other ranks in an allreduce" in out
    assert seconds < 25


def test_logs_and_files_are_written_by_rank_0_only(tmp_path):
    run_ok("rank0_files", tmp_path)
    assert (tmp_path / "log_rank0.csv").exists()
    assert not (tmp_path / "log_rank1.csv").exists()


def test_learning_rate_warmup_ramps_from_rate_over_size(tmp_path):
    r0, r1 = run_ok("warmup", tmp_path)
    steps = 64 // (2 * worker.PER_RANK_BATCH)  # per epoch; warm-up lasts one epoch
    want = [0.01 / 2 * (b / steps * (2 - 1) / 1 + 1) for b in range(steps)] + [0.01] * steps
    for rank in (r0, r1):
        np.testing.assert_allclose(rank["rates"], want, rtol=1e-6)


@pytest.mark.parametrize("ranks", [1, 4])
def test_resume_from_a_checkpoint_on_another_number_of_ranks(ranks, tmp_path):
    # Epoch 1 on 2 ranks (rank 0 saves weights and optimizer state), epoch 2 on 1 or 4 ranks with
    # the same global batch: the weights of an uninterrupted 2-epoch run on 2 ranks.
    whole = tmp_path / "whole"
    whole.mkdir()
    r0, _ = run_ok("mlp", whole)
    rc, out, _ = mpirun("checkpoint", tmp_path)
    assert rc == 0, out
    assert (tmp_path / "ckpt.nerve").exists()
    rc, out, _ = mpirun("resume", tmp_path, np_=ranks)
    assert rc == 0, out
    for r in range(ranks):
        resumed = np.load(tmp_path / f"rank{r}.npz")
        for g, want in zip(weights(resumed, "w1_"), weights(r0, "w1_")):
            np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-7)


def test_a_nan_loss_on_one_rank_stops_every_rank_at_the_same_step(tmp_path):
    # Rank 1's loss is NaN at the third step: its flag travels with the gradients, no rank
    # applies that step, and both raise NonFiniteLossError there (no waiting on each other).
    rc, out, seconds = mpirun("nan", tmp_path, timeout=60, env={"NERVE_TEST_TIMEOUT": "20"})
    assert rc != 0
    assert "NonFiniteLossError" in out and "epoch 1, step 3" in out
    assert "waited" not in out
    assert seconds < 20
