"""python -m nerve (the configuration report) and --cmakedir / nerve.get_cmake_dir()."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import nerve


def _run(*args):
    env = {**os.environ, "PYTHONPATH": str(Path(nerve.__file__).parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "nerve", *args], capture_output=True, text=True, env=env
    )


def test_report_names_version_isa_threads_build_and_extras():
    r = _run()
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"nerve {nerve.__version__}" in out
    # a fresh process's configuration (this one's threads may have been set by earlier tests)
    env = {**os.environ, "PYTHONPATH": str(Path(nerve.__file__).parents[1])}
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            "import nerve; c = nerve.config(); print(c['isa'], c['num_threads'])",
        ],
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()
    assert f"ISA in use:        {fresh[0]}" in out
    assert f"threads:           {fresh[1]}" in out
    assert "build_type:" in out and "compiler:" in out
    for extra in ("torch", "keras", "onnx", "onnxruntime", "matplotlib", "mpi4py", "tensorboard"):
        assert f"\n  {extra} " in out


def test_cmakedir_agrees_with_get_cmake_dir():
    r = _run("--cmakedir")
    try:
        folder = nerve.get_cmake_dir()
    except FileNotFoundError as e:
        assert r.returncode == 1 and "pip install" in str(e) and "pip install" in r.stderr
        pytest.skip("a source checkout: no installed C++ package")
    assert r.returncode == 0 and r.stdout.strip() == folder
    assert (Path(folder) / "nerveConfig.cmake").is_file()


def test_get_cmake_dir_finds_the_config_the_wheel_installs(tmp_path, monkeypatch):
    """The wheel's layout (cpp/CMakeLists.txt's install rules under SKBUILD): nerve/share/cmake/nerve."""
    from nerve import _cmake

    folder = tmp_path / "share" / "cmake" / "nerve"
    monkeypatch.setattr(_cmake, "_PACKAGE", tmp_path)
    with pytest.raises(FileNotFoundError, match="pip install"):
        nerve.get_cmake_dir()
    folder.mkdir(parents=True)
    (folder / "nerveConfig.cmake").write_text("")
    assert nerve.get_cmake_dir() == str(folder)
