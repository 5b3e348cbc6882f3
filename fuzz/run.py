"""Fuzz one of nerve's parsers with atheris (pip install atheris).

    python fuzz/run.py TARGET [libFuzzer options] [corpus folders]
    python fuzz/run.py load_model -atheris_runs=1000000 fuzz/corpus/load_model
    python fuzz/run.py idx -max_total_time=600 fuzz/corpus/idx

TARGET is load_model, idx or config (fuzz/harnesses.py). A finding stops the run and leaves its
input in a crash-* file: turn it into a regression test in tests/test_fuzz.py."""

import sys

import atheris

with atheris.instrument_imports():
    import harnesses


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in harnesses.TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(harnesses.TARGETS)}}} [libFuzzer args]")
    target = harnesses.TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
