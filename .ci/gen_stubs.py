"""Regenerates the type stubs of nerve._core (python/nerve/_core/*.pyi) from the built module.

    python .ci/gen_stubs.py            # rewrite the committed stubs
    python .ci/gen_stubs.py --check    # exit 1 (and name the files) when they are out of date

The stubs are committed, not generated at build time: a wheel build then needs no extra tool and
never imports the module it is building (which a cross build could not), and a change to the
bindings shows up as a reviewable diff. tests/test_stubs.py runs --check, so a stale stub fails the
suite. Needs the `dev` extra (pybind11-stubgen, pinned: its output is what is compared) and
nerve._core importable (pip-installed, or PYTHONPATH=python after a build).
"""

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STUB_DIR = Path(__file__).resolve().parent.parent / "python" / "nerve" / "_core"
STUBGEN_ARGS = [
    # MetricSpec's default AucSummation.interpolation is printed as a repr; name where it lives.
    "--enum-class-locations=AucSummation:nerve._core",
    "--enum-class-locations=ScoreAverage:nerve._core",
    "--enum-class-locations=ClassAggregation:nerve._core",
    "--exit-code",
]


def generate(out: Path) -> Path:
    """Writes the stubs of nerve._core under out and returns the folder holding them."""
    cmd = [sys.executable, "-m", "pybind11_stubgen", "nerve._core", "-o", str(out), *STUBGEN_ARGS]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    folder = out / "nerve" / "_core"
    _declare_build_info_by_type(folder / "__init__.pyi")
    return folder


def _declare_build_info_by_type(stub: Path) -> None:
    """build_info holds this build's compiler and CMake versions: the stub gives its type only,
    so that a build elsewhere finds the committed stub current."""
    lines = stub.read_text().splitlines(keepends=True)
    lines = ["build_info: dict[str, str]\n" if ln.startswith("build_info:") else ln for ln in lines]
    stub.write_text("".join(lines))


def stale_files(generated: Path) -> list:
    """The stub files that differ from, are missing from, or are extra in the committed ones."""
    new = {p.name for p in generated.glob("*.pyi")}
    old = {p.name for p in STUB_DIR.glob("*.pyi")}
    differ = [n for n in new & old if not filecmp.cmp(generated / n, STUB_DIR / n, shallow=False)]
    return sorted(differ + list(new ^ old))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            generated = generate(Path(tmp))
        except subprocess.CalledProcessError as e:
            print(e.stdout + e.stderr, file=sys.stderr)
            return 1
        stale = stale_files(generated)
        if args.check:
            if stale:
                print("stale stubs (run python .ci/gen_stubs.py):", ", ".join(stale))
            return 1 if stale else 0
        STUB_DIR.mkdir(exist_ok=True)
        for old in STUB_DIR.glob("*.pyi"):
            old.unlink()
        for new in generated.glob("*.pyi"):
            shutil.copy(new, STUB_DIR / new.name)
        print(f"wrote {len(list(generated.glob('*.pyi')))} stubs to {STUB_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
