"""Shared measurement helpers for the bench/ scripts: alternating-block timing and peak memory.

Timing. Two libraries timed one after the other drift apart on a shared machine (another job's
burst lands on one of them), so every comparison here runs in *blocks alternating between the
sides* (a, b, a, b, ...) after a warm-up block each, with an optional pause before each block: an
OpenMP or OpenBLAS runtime keeps its idle threads spinning for about 0.1 s after a call, and those
would steal the cores from the other side's next block. A row reports each side's median block
and the median of the per-round ratios (a round is one block of each side), with their min-max.
`clock` picks what a block's time is: "wall" (perf_counter), "thread" (CPU time of the calling
thread: on a loaded machine the time the thread waited for a core does not count; meaningful with
one compute thread) or "process" (CPU time of all the process's threads, spinning ones included).

Memory. A side's peak resident memory is only its own when it runs in a process of its own, so
`Worker` starts each side in a fresh subprocess (this script again, with `--worker NAME`): the
worker records its resident memory after the imports (the baseline), builds its workload, then
runs the blocks the parent asks for, one at a time, and at the end reports its peak (VmHWM of
/proc/self/status, or ru_maxrss where there is no /proc), both absolute and above the baseline.
Blocks then still alternate between the sides: the parent sends "run" to one worker, waits for
its answer, pauses, and sends "run" to the next.

    import _common
    sides = {"nerve": _common.Worker(__file__, "nerve", extra_args), "torch": ...}
    result = _common.alternate_workers(sides, rounds=5, pause=0.25)
    # in the worker process (args.worker set): _common.serve(block_fn)

This file is a library; run directly it prints the machine's description and exits.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CLOCKS = {"wall": time.perf_counter, "thread": time.thread_time, "process": time.process_time}
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: tiny sizes, one round


# ---------------------------------------------------------------------------------- the machine
def cpu_model() -> str:
    """lscpu's "Model name" (figures from different CPUs are not comparable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown CPU"


def load_average() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def machine_line(threads: int) -> str:
    return (
        f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; {threads} thread(s) per side; "
        f"load average {load_average()}"
    )


# ---------------------------------------------------------------------------------- memory
def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident memory of this process in MiB."""
    kib = _status_kib("VmRSS")
    if kib is None:
        return peak_rss_mb()  # no /proc: the peak is the best figure there is
    return kib / 1024


def reset_peak_rss() -> None:
    """Start the peak (VmHWM) afresh from the current resident memory (Linux: clear_refs 5),
    so what came before (imports, loading data) does not count; no-op elsewhere."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (VmHWM; ru_maxrss where there is no /proc)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        import resource

        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kib / 1024


# ---------------------------------------------------------------------------------- timing
@dataclass
class Comparison:
    """Per-round block times (seconds) of each side, in the order the sides were given."""

    times: dict[str, list[float]] = field(default_factory=dict)
    memory: dict[str, dict] = field(default_factory=dict)  # from Worker.finish

    def median(self, side: str) -> float:
        return statistics.median(self.times[side])

    def ratios(self, side: str, peer: str) -> list[float]:
        """Per-round peer time / side time (> 1: `side` is faster)."""
        return [p / s for s, p in zip(self.times[side], self.times[peer])]

    def ratio(self, side: str, peer: str) -> tuple[float, float, float]:
        """Median, min and max over rounds of the per-round ratio."""
        r = self.ratios(side, peer)
        return statistics.median(r), min(r), max(r)


def alternate_blocks(
    blocks: dict[str, Callable[[], object]],
    rounds: int,
    pause: float = 0.25,
    warmup: int = 1,
    clock: str = "wall",
) -> Comparison:
    """Time in-process callables in blocks alternating between them: `warmup` untimed calls
    each, then `rounds` rounds of one timed call each, with `pause` seconds of sleep before
    every call. Each callable is one block (it loops over its own repeats)."""
    now = CLOCKS[clock]
    for fn in blocks.values():
        for _ in range(warmup):
            fn()
    out = Comparison({name: [] for name in blocks})
    for _ in range(rounds):
        for name, fn in blocks.items():
            if pause:
                time.sleep(pause)
            t0 = now()
            fn()
            out.times[name].append(now() - t0)
    return out


def per_call_seconds(
    fn: Callable[[], object], calls: int, pause: float = 0.0
) -> tuple[float, float]:
    """(wall, calling thread's CPU) seconds per call over `calls` calls of `fn`, after `pause`
    seconds of sleep (see the module's note on idle spinning threads)."""
    if pause:
        time.sleep(pause)
    w0, c0 = time.perf_counter(), time.thread_time()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - w0) / calls, (time.thread_time() - c0) / calls


# ---------------------------------------------------------------------------------- subprocesses
class Worker:
    """One side of a comparison in a subprocess of its own: `python script --worker NAME args`.

    The protocol runs over a pipe of its own (the worker's fd 1 is pointed at its stderr, so
    whatever a library prints cannot break it); the worker's stderr goes to a temporary file,
    shown when the worker fails."""

    def __init__(self, script: str, name: str, args: list[str], env: dict | None = None):
        self.name = name
        self._log = tempfile.TemporaryFile(mode="w+")
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(script), "--worker", name, "--reply-fd", str(write_fd)]
            + list(args),
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=self._log,
            pass_fds=(write_fd,),
            text=True,
            env=env,
        )
        os.close(write_fd)
        self._replies = os.fdopen(read_fd, "r")
        self.ready = self._reply()  # {"baseline_rss_mb": ..., plus what the workload said}

    def _reply(self) -> dict:
        line = self._replies.readline()
        if not line:
            self.proc.wait()
            self._log.seek(0)
            raise RuntimeError(
                f"worker {self.name!r} exited with {self.proc.returncode}:\n{self._log.read()[-4000:]}"
            )
        return json.loads(line)

    def run_block(self) -> dict:
        """One block; returns {"wall": s, "thread": s, "process": s}."""
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self._reply()

    def finish(self) -> dict:
        """Ends the worker; returns its memory: baseline_rss_mb, peak_rss_mb, peak_above_baseline_mb."""
        self.proc.stdin.write("stop\n")
        self.proc.stdin.flush()
        out = self._reply()
        self.proc.wait()
        self._replies.close()
        self._log.close()
        return out


def alternate_workers(
    sides: dict[str, Worker],
    rounds: int,
    pause: float = 0.25,
    warmup: int = 1,
    clock: str = "wall",
    side_clock: dict[str, str] | None = None,
) -> Comparison:
    """Blocks alternating between worker processes (as `alternate_blocks`), then each worker's
    peak memory. `side_clock` overrides the clock for some sides (JAX computes on threads of its
    own, so the calling thread's CPU time misses its work: "process" is its honest CPU clock)."""
    for w in sides.values():
        for _ in range(warmup):
            w.run_block()
    out = Comparison({name: [] for name in sides})
    for _ in range(rounds):
        for name, w in sides.items():
            if pause:
                time.sleep(pause)
            out.times[name].append(w.run_block()[(side_clock or {}).get(name, clock)])
    for name, w in sides.items():
        out.memory[name] = w.finish()
    return out


def worker_start(reply_fd: int):
    """In the worker, first thing after the imports: the reply channel and the baseline memory.
    Points fd 1 at stderr, so a library's prints cannot mix with the replies."""
    replies = os.fdopen(reply_fd, "w", buffering=1)
    sys.stdout.flush()
    os.dup2(2, 1)
    return replies, rss_mb()


def serve(replies, baseline_mb: float, block: Callable[[], object], info: dict | None = None):
    """The worker's loop: answers "run" with one timed block (wall, thread and process time)
    and "stop" with the peak memory."""
    replies.write(json.dumps({"baseline_rss_mb": baseline_mb, **(info or {})}) + "\n")
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "run":
            w0, t0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
            block()
            reply = {
                "wall": time.perf_counter() - w0,
                "thread": time.thread_time() - t0,
                "process": time.process_time() - p0,
            }
        elif cmd == "stop":
            peak = peak_rss_mb()
            reply = {
                "baseline_rss_mb": baseline_mb,
                "peak_rss_mb": peak,
                "peak_above_baseline_mb": peak - baseline_mb,
            }
        else:
            reply = {"error": f"unknown command {cmd!r}"}
        replies.write(json.dumps(reply) + "\n")
        if cmd == "stop":
            return


def fmt_ratio(r: tuple[float, float, float]) -> str:
    return f"{r[0]:.2f}× ({r[1]:.2f}–{r[2]:.2f})"


if __name__ == "__main__":
    print(machine_line(1))
