"""Ctrl-C and kill -9 (issue 18, item 6), each in a child process (_interrupt_worker.py).

SIGINT a second into a long fit, predict or evaluate, or one long model(x) pass, must raise
KeyboardInterrupt promptly: the C++ loops run Python's pending signal handlers between batches
(and an inference pass between layers), at most every 20 ms (nerve/interrupt.h), instead of
only when the whole call returns. An interrupted fit keeps the weights of its last completed
step: the same number of steps rerun from the same start gives bit-identical weights.

SIGKILL at a random point of a loop of saves (model.save to .nerve and .keras, ModelCheckpoint)
leaves a file that loads, holding one whole earlier save (writes go to a temporary file that is
renamed over the old one)."""

import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import nerve

WORKER = pathlib.Path(__file__).with_name("_interrupt_worker.py")
# Generous for a loaded CI machine; the figure measured is printed (pytest -s shows it).
LATENCY_LIMIT_S = 1.5

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _worker(*args):
    env = dict(os.environ)
    python_dir = str(pathlib.Path(nerve.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [python_dir, env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for(proc, word):
    line = proc.stdout.readline().strip()
    if line != word:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"worker said {line!r} instead of {word!r}:\n{err}")


def _interrupt(kind):
    """Starts `kind` in a worker, sends SIGINT 1 s after it began; returns (report, latency)."""
    proc = _worker(kind)
    _wait_for(proc, "started")
    time.sleep(1.0)
    sent = time.monotonic()  # CLOCK_MONOTONIC: the same clock in both processes
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{kind}: the worker did not stop within 300 s of SIGINT")
    assert proc.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["interrupted"], f"{kind} finished before the signal: {report}"
    latency = report["caught"] - sent
    print(
        f"\n{kind}: SIGINT to KeyboardInterrupt {latency * 1000:.0f} ms "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    assert latency < LATENCY_LIMIT_S, f"{kind}: KeyboardInterrupt {latency:.2f} s after SIGINT"
    return report


def test_sigint_stops_fit_with_the_last_completed_steps_weights():
    report = _interrupt("fit")
    assert report["steps"] > 0
    assert report["same_weights"], (
        f"after {report['steps']} steps the weights differ from a rerun of those steps"
    )


@pytest.mark.parametrize("kind", ["predict", "evaluate", "call"])
def test_sigint_stops_a_long_inference_call(kind):
    report = _interrupt(kind)
    assert report["same_predictions"]


def test_a_signal_handler_may_use_the_model_it_interrupts():
    """The checks between layers run under the model's run lock; a handler predicting with the
    same model runs there (the lock is reentrant) instead of deadlocking."""
    proc = _worker("handler")
    _wait_for(proc, "started")
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGUSR1)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the worker hung: a handler using the model deadlocked on its run lock")
    assert proc.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["handled_at"] is not None, "the handler never ran"
    latency, after = report["handled_at"] - sent, report["ended"] - report["handled_at"]
    print(
        f"\nhandler: ran {latency * 1000:.0f} ms after the signal, the pass ended {after:.1f} s later"
    )
    # Run promptly, in the middle of the pass (not once it returned), then the pass went on.
    assert latency < LATENCY_LIMIT_S and after > 0.5
    assert report["same_predictions"] and report["finite"]


def _filled_number(weights):
    """The save number n when every weight is n / 1024 (a whole save), else None."""
    values = np.unique(np.concatenate([np.ravel(w) for w in weights]))
    if len(values) != 1 or values[0] * 1024 != round(values[0] * 1024):
        return None
    return int(values[0] * 1024)


@pytest.mark.parametrize(
    "kind, name",
    [("save_loop", "model.nerve"), ("save_loop", "model.keras"), ("checkpoint_loop", "ckpt.nerve")],
)
def test_sigkill_during_saves_leaves_a_whole_earlier_file(kind, name, tmp_path):
    if name.endswith(".keras"):
        pytest.importorskip("h5py")
    path = tmp_path / name
    rng = random.Random(0)
    numbers = []
    for _ in range(3):
        proc = _worker(kind, str(path))
        _wait_for(proc, "saved")
        time.sleep(rng.uniform(0.1, 3.0))  # in the first to third later save (~1 s each here)
        proc.kill()
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        model = nerve.models.load_model(path)  # raises on a torn file
        number = _filled_number(model.get_weights())
        assert number is not None, "the file mixes weights of different saves"
        numbers.append(number)
    print(f"\n{kind} {name}: killed after saves {numbers}")
