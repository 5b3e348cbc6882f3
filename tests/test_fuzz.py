"""The fuzz targets of fuzz/harnesses.py (load_model's zip, JSON and .npy reading; the IDX
parser; the config deserializer): a short atheris run of each from its seed corpus, and every
input a fuzzer ever found, kept as a regression case. The long runs (a million inputs each) are
fuzz/run.py; fuzz/README.md says how."""

import pathlib
import resource
import subprocess
import sys

import pytest

FUZZ = pathlib.Path(__file__).resolve().parents[1] / "fuzz"
sys.path.insert(0, str(FUZZ))
import harnesses  # noqa: E402

# Inputs fuzzing found (fuzz/found/<target>-<what>.*), each with what it broke.
FOUND = {
    # a zip header naming version 10.1: zipfile raised NotImplementedError, not ModelFileError
    "load_model-zip-version.nerve": "load_model",
    # an entry flagged encrypted: zipfile raised RuntimeError (password required)
    "load_model-encrypted-entry.nerve": "load_model",
    # a dtype string numpy reads as a record format: np.dtype raised SyntaxError, not ValueError
    "config-dtype-syntax.json": "config",
}


@pytest.mark.parametrize("target", sorted(harnesses.TARGETS))
def test_the_seed_corpus_loads_cleanly(target):
    for seed in sorted((FUZZ / "corpus" / target).iterdir()):
        harnesses.TARGETS[target](seed.read_bytes())


@pytest.mark.parametrize("name", sorted(FOUND))
def test_inputs_fuzzing_found_raise_documented_errors(name):
    harnesses.TARGETS[FOUND[name]]((FUZZ / "found" / name).read_bytes())


@pytest.mark.parametrize("target", sorted(harnesses.TARGETS))
def test_a_short_fuzz_run_finds_nothing(target, tmp_path):
    pytest.importorskip("atheris", reason="fuzzing needs atheris (test extra)")
    # libFuzzer reads the peak RSS from getrusage, which on Linux keeps the high-water mark of
    # the process image exec replaced: the fuzzer starts "using" what this pytest process
    # peaked at (over 2 GB late in the full suite, with no input to blame). The limit is 2 GB
    # above that inherited mark.
    inherited_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out = subprocess.run(
        [
            sys.executable,
            str(FUZZ / "run.py"),
            target,
            "-atheris_runs=3000",
            "-timeout=10",
            f"-rss_limit_mb={inherited_mb + 2048}",
            f"-artifact_prefix={tmp_path}/",
            str(tmp_path),  # new inputs go to the first folder, not into the seeds
            str(FUZZ / "corpus" / target),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=FUZZ,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Done 3000" in out.stderr
