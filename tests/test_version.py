"""One source for the version: CMakeLists.txt's project(nerve VERSION ...).

pyproject.toml reads it from there (scikit-build-core's regex provider), CMake compiles it into
nerve._core.__version__, and nerve.__version__ re-exports that. These tests fail if any of them
drifts, e.g. a version typed into pyproject.toml again.
"""

import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

import nerve
from nerve import _core

ROOT = Path(__file__).resolve().parent.parent
CMAKE_VERSION = re.search(
    r"project\(nerve VERSION ([0-9]+\.[0-9]+\.[0-9]+)", (ROOT / "CMakeLists.txt").read_text()
)


def test_cmake_declares_the_version():
    assert CMAKE_VERSION, "CMakeLists.txt has no project(nerve VERSION x.y.z)"


def test_module_version_is_cmakes():
    assert _core.__version__ == CMAKE_VERSION.group(1)
    assert nerve.__version__ == _core.__version__


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_pyproject_reads_the_version_from_cmake():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"], "pyproject.toml must not state a version itself"
    assert "version" in pyproject["project"]["dynamic"]
    provider = pyproject["tool"]["scikit-build"]["metadata"]["version"]
    assert provider["provider"] == "scikit_build_core.metadata.regex"
    assert provider["input"] == "CMakeLists.txt"
    match = re.search(provider["regex"], (ROOT / provider["input"]).read_text())
    assert match and match.group("value") == CMAKE_VERSION.group(1)


def test_installed_metadata_matches_when_installed():
    """pip's record of the version agrees, for an installed nerve (not a PYTHONPATH checkout)."""
    try:
        dist = importlib.metadata.distribution("nerve")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("nerve is not pip-installed")
    installed_init = Path(dist.locate_file("nerve/__init__.py")).resolve()
    if installed_init != Path(nerve.__file__).resolve():
        pytest.skip("the imported nerve is not the pip-installed one")
    assert dist.version == nerve.__version__
