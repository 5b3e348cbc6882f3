"""python -m nerve: the configuration (version, instruction sets, threads, build options,
optional extras found), for bug reports; python -m nerve --cmakedir: where the C++ package's
nerveConfig.cmake is (as pybind11's --cmakedir)."""

from __future__ import annotations

import argparse
import importlib.util
import sys

# Optional packages nerve works with, and what for.
EXTRAS = {
    "keras": "reference for tests (Keras 3)",
    "torch": "reference for tests",
    "onnx": "nerve.onnx export",
    "onnxruntime": "running exported ONNX models",
    "matplotlib": "nerve.viz plots",
    "mpi4py": "multi-process training",
    "tensorboard": "TensorBoard callback",
}


def _extra_version(name: str) -> str | None:
    if importlib.util.find_spec(name) is None:
        return None
    try:
        from importlib import metadata

        return metadata.version(name)
    except Exception:  # found but without distribution metadata (a source tree on the path)
        return "found"


def report() -> str:
    import nerve
    from nerve import _core

    cfg = nerve.config()
    build = dict(getattr(_core, "build_info", {}))
    try:
        cmake_dir = nerve.get_cmake_dir()
    except FileNotFoundError:
        cmake_dir = "not installed (source checkout)"
    lines = [
        f"nerve {nerve.__version__} ({nerve.__file__})",
        f"python {sys.version.split()[0]} ({sys.executable})",
        "",
        f"ISA in use:        {cfg['isa']}",
        f"ISA detected:      {cfg.get('detected_isa', '?')}",
        f"ISAs compiled:     {', '.join(cfg.get('compiled_isas', []))}",
        f"ISAs usable here:  {', '.join(cfg.get('usable_isas', []))}",
        f"threads:           {cfg['num_threads']} (OpenMP {'on' if cfg['openmp'] else 'off'})",
        f"conv algorithm:    {cfg.get('conv_algorithm', '?')}",
        f"flush denormals:   {cfg.get('flush_denormals', '?')}",
        f"device:            {nerve.current_device()} (available: "
        f"{', '.join(nerve.available_devices())})",
        "",
        "build options:",
    ]
    lines += [f"  {k}: {v}" for k, v in sorted(build.items())] or ["  (not recorded)"]
    lines += [f"  C++ package (find_package(nerve)): {cmake_dir}", "", "optional extras:"]
    for name, use in EXTRAS.items():
        version = _extra_version(name)
        lines.append(f"  {name:12s} {version or 'not found':12s} {use}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nerve", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--cmakedir", action="store_true", help="print the folder of nerveConfig.cmake and exit"
    )
    args = parser.parse_args(argv)
    if args.cmakedir:
        import nerve

        try:
            print(nerve.get_cmake_dir())
        except FileNotFoundError as e:
            print(f"python -m nerve --cmakedir: {e}", file=sys.stderr)
            return 1
        return 0
    print(report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
