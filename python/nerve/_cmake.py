"""Where the installed package keeps its C++ library for find_package(nerve CONFIG)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def get_cmake_dir() -> str:
    """The folder holding nerveConfig.cmake: pass it as -Dnerve_DIR=... (or on
    CMAKE_PREFIX_PATH) and `find_package(nerve CONFIG)` gives the target nerve::core (the static
    C++ library and its headers, which this package installs beside itself, under nerve/lib,
    nerve/include and nerve/share/cmake/nerve). A source checkout used through PYTHONPATH has
    none: FileNotFoundError says how to get one."""
    folder = _PACKAGE / "share" / "cmake" / "nerve"
    if not (folder / "nerveConfig.cmake").is_file():
        raise FileNotFoundError(
            f"this nerve ({_PACKAGE}) has no C++ package: it comes with an installed wheel "
            f"(pip install .). From a source checkout, install the C++ library with "
            f"`cmake -S . -B build/cpp -DNERVE_BUILD_PYTHON=OFF && cmake --build build/cpp && "
            f"cmake --install build/cpp --prefix <folder>`; its config is in "
            f"<folder>/share/cmake/nerve"
        )
    return str(folder)
