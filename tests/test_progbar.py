"""Tests of nerve.utils.progbar.Progbar (Keras-style progress bar)."""

import io
import re

import numpy as np
import pytest

import nerve.utils.progbar as pb_mod
from nerve.utils.progbar import Progbar


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t

    def advance(self, dt):
        self.t += dt


@pytest.fixture
def clock(monkeypatch):
    c = FakeClock()
    monkeypatch.setattr(pb_mod, "_now", c)
    return c


BAR = "━" * 20


def run_epoch(bar, clock, steps, dt, losses, accs=None):
    for i in range(steps):
        clock.advance(dt)
        values = [("loss", losses[i])]
        if accs is not None:
            values.append(("accuracy", accs[i]))
        bar.update(i + 1, values)


def test_non_tty_final_line_format(clock):
    out = io.StringIO()
    bar = Progbar(469, file=out)
    losses = np.linspace(1.0, 0.1, 469)
    accs = np.linspace(0.5, 0.99, 469)
    run_epoch(bar, clock, 469, 0.006, losses, accs)
    text = out.getvalue()
    assert "\r" not in text
    assert text.count("\n") == 1 and text.endswith("\n")
    line = text.rstrip("\n")
    # 469 steps * 6 ms = 2.8 s -> "3s"; 6 ms/step
    expected = (
        f"469/469 {BAR} 3s 6ms/step - loss: {losses.mean():.4f} - accuracy: {accs.mean():.4f}"
    )
    assert line == expected


def test_values_weighted_by_step_size(clock):
    out = io.StringIO()
    bar = Progbar(10, file=out)
    clock.advance(1)
    bar.update(2, [("loss", 1.0)])  # covers 2 steps
    clock.advance(1)
    bar.update(10, [("loss", 4.0)])  # covers 8 steps
    # (1*2 + 4*8) / 10 = 3.4
    assert out.getvalue().rstrip("\n").endswith("- loss: 3.4000")


def test_add(clock):
    out = io.StringIO()
    bar = Progbar(6, file=out)
    for v in (1.0, 2.0, 3.0):
        clock.advance(0.5)
        bar.add(2, [("loss", v)])
    assert out.getvalue().startswith(f"6/6 {BAR} ")
    assert out.getvalue().rstrip("\n").endswith("- loss: 2.0000")


@pytest.mark.parametrize(
    "dt, unit", [(2.0, "2s/step"), (0.025, "25ms/step"), (0.00004, "40us/step")]
)
def test_time_per_step_units(clock, dt, unit):
    out = io.StringIO()
    bar = Progbar(5, file=out)
    for i in range(5):
        clock.advance(dt)
        bar.update(i + 1)
    assert f" {unit}" in out.getvalue()


def test_first_step_excluded_from_time_per_step(clock):
    out = io.StringIO()
    bar = Progbar(11, file=out)
    clock.advance(5.0)  # slow first step (e.g. building the model)
    bar.update(1)
    for i in range(2, 12):
        clock.advance(0.01)
        bar.update(i)
    line = out.getvalue()
    assert " 5s 10ms/step" in line


def test_small_values_use_exponent(clock):
    out = io.StringIO()
    bar = Progbar(2, file=out)
    clock.advance(0.1)
    bar.update(2, [("loss", 2.5e-5), ("big", 12.0)])
    line = out.getvalue()
    assert "loss: 2.5000e-05" in line
    assert "big: 12.0000" in line


def test_non_tty_one_line_per_epoch(clock):
    out = io.StringIO()
    for _ in range(3):
        bar = Progbar(50, file=out)
        run_epoch(bar, clock, 50, 0.01, [0.5] * 50)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert all(l.startswith(f"50/50 {BAR} ") for l in lines)
    assert "\r" not in out.getvalue()


def test_verbose_0_prints_nothing(clock, capsys):
    out = io.StringIO()
    bar = Progbar(10, verbose=0, file=out)
    run_epoch(bar, clock, 10, 0.01, [1.0] * 10)
    bar2 = Progbar(10, verbose=0)
    run_epoch(bar2, clock, 10, 0.01, [1.0] * 10)
    assert out.getvalue() == ""
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_default_stream_is_stdout_at_call_time(clock, capsys):
    bar = Progbar(3)
    run_epoch(bar, clock, 3, 0.1, [1.0, 2.0, 3.0])
    out = capsys.readouterr().out
    assert out.startswith(f"3/3 {BAR} ") and out.endswith("- loss: 2.0000\n")


def test_verbose_2(clock):
    out = io.StringIO()
    bar = Progbar(469, verbose=2, file=out)
    run_epoch(bar, clock, 469, 0.006, [0.25] * 469)
    assert out.getvalue() == "469/469 - 3s - 6ms/step - loss: 0.2500\n"
    # verbose=2 ignores TTY-ness: still one line, no \r
    tty = FakeTTY()
    bar = Progbar(10, verbose=2, file=tty)
    run_epoch(bar, clock, 10, 0.01, [0.25] * 10)
    assert tty.getvalue() == "10/10 - 0s - 10ms/step - loss: 0.2500\n"


def test_stateful_metrics_not_averaged(clock):
    out = io.StringIO()
    bar = Progbar(4, stateful_metrics=["acc_running"], file=out)
    for i, (loss, acc) in enumerate([(1.0, 0.1), (2.0, 0.2), (3.0, 0.3), (4.0, 0.9)]):
        clock.advance(0.1)
        bar.update(i + 1, [("loss", loss), ("acc_running", acc)])
    line = out.getvalue()
    assert "loss: 2.5000" in line  # averaged
    assert "acc_running: 0.9000" in line  # last value, as given


def test_tty_dynamic_updates_and_throttle(clock):
    tty = FakeTTY()
    bar = Progbar(100, file=tty)
    for i in range(100):
        clock.advance(0.01)  # 10 ms per step -> redraw at most every 5 steps
        bar.update(i + 1, [("loss", 1.0)])
    text = tty.getvalue()
    frames = text.split("\r")[1:]
    assert 15 <= len(frames) <= 25  # throttled to every 0.05 s (+ first + final)
    assert text.endswith("\n") and text.count("\n") == 1
    # intermediate frames show the ETA and a partial bar
    mid = frames[len(frames) // 2]
    assert re.match(r"^ *\d+/100 ━+─+ ETA: \d+s 10ms/step - loss: 1\.0000", mid)
    # the final frame shows the total time, no ETA
    final = frames[-1].rstrip("\n").rstrip()
    assert final == f"100/100 {BAR} 1s 10ms/step - loss: 1.0000"


def test_tty_final_update_never_throttled(clock):
    tty = FakeTTY()
    bar = Progbar(3, file=tty)
    clock.advance(0.001)
    bar.update(1)
    clock.advance(0.001)
    bar.update(2)  # within 0.05 s: skipped
    clock.advance(0.001)
    bar.update(3)  # final: always drawn
    frames = tty.getvalue().split("\r")[1:]
    assert len(frames) == 2
    assert frames[-1].startswith(f"3/3 {BAR} ")


def test_tty_shorter_line_is_padded(clock):
    tty = FakeTTY()
    bar = Progbar(10, file=tty, stateful_metrics=["note"])
    clock.advance(1)
    bar.update(1, [("note", "a long long piece of text")])
    clock.advance(1)
    bar.update(10, [("note", "x")])
    first, second = tty.getvalue().split("\r")[1:]
    assert len(second.rstrip("\n")) >= len(first)


def test_unknown_target(clock):
    tty = FakeTTY()
    bar = Progbar(None, file=tty)
    clock.advance(0.1)
    bar.update(5, [("loss", 0.5)])
    assert "5/Unknown" in tty.getvalue()
    assert "\n" not in tty.getvalue()
    clock.advance(0.1)
    bar.update(10, [("loss", 0.5)], finalize=True)
    assert tty.getvalue().endswith("\n")
    assert "10/Unknown" in tty.getvalue()


def test_explicit_finalize_false_then_true(clock):
    """The Keras fit pattern: batch updates finalize=False, epoch end finalize=True."""
    out = io.StringIO()
    bar = Progbar(5, file=out)
    for i in range(5):
        clock.advance(0.1)
        bar.update(i + 1, [("loss", 1.0)], finalize=False)
    assert out.getvalue() == ""
    bar.update(5, [("val_loss", 0.5)], finalize=True)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("- loss: 1.0000 - val_loss: 0.5000")


def test_array_and_numpy_values(clock):
    out = io.StringIO()
    bar = Progbar(2, file=out)
    clock.advance(0.1)
    bar.update(1, [("loss", np.float32(1.0))])
    clock.advance(0.1)
    bar.update(2, [("loss", np.array([3.0, 3.0]))])
    assert "loss: 2.0000" in out.getvalue()


def test_importable_from_nerve_utils():
    import nerve.utils

    assert nerve.utils.Progbar is Progbar


@pytest.mark.parametrize(
    "elapsed",
    [0.0, 3e-7, 2.5e-5, 9.999e-4, 1e-3, 0.0025, 0.0035, 0.4999, 0.5, 1.5, 2.5, 75.0, 4000.0],
)
@pytest.mark.parametrize("verbose", [0, 1, 2, 3])
@pytest.mark.parametrize("tty", [False, True])
def test_write_one_step_is_a_finished_one_step_bar(clock, elapsed, verbose, tty):
    """predict's one-batch line, written without a bar, is what the bar itself writes."""
    stream = FakeTTY if tty else io.StringIO
    start = clock()
    bar_out, short_out = stream(), stream()
    bar = Progbar(None, verbose=verbose, file=bar_out)
    clock.advance(elapsed)
    bar.target = 1
    bar.update(1, finalize=True)
    Progbar.write_one_step(start, verbose, file=short_out)
    assert short_out.getvalue() == bar_out.getvalue()
    assert (short_out.getvalue() != "") == (verbose in (1, 2))
