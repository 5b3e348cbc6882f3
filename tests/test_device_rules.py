"""The device seam cannot rot: layers, the trainer, the optimizers and autograd reach tensor memory
only through tensor and op APIs that dispatch by device (cpp/kernels/README.md), and the ops
themselves (cpp/src/ops) only through their device's kernel table. A `.data()` of a tensor there
is allowed only as an argument of a kernel-table call (NERVE_KERNEL) or a backend copy
(backend_for(...)); `.data()` of host containers (std::vector, HostView) is host memory. In an op,
`kernel_arg(t)` (ops/dispatch.h: the memory or null) may also fill a field of a kernel's argument
struct (`s.field = kernel_arg(t);`), and nowhere else outside a kernel call."""

import pathlib
import re

CPP_SRC = pathlib.Path(__file__).resolve().parents[1] / "cpp" / "src"
# Folders of code above the ops ("nn" is the layers' old name).
GUARDED = ("layers", "models", "train", "optim", "autograd", "ops")
RAW = re.compile(r"(\w+)(?:\[\w+\])?\.data\(\)|data_ptr")
# Names declared as host containers in the file: their .data() is host memory.
HOST_DECL = re.compile(r"(?:std::vector<[^;()]*?>|HostView)\s*&?\s+(\w+)")
ALLOWED = re.compile(r"NERVE_KERNEL\(|backend_for\(")
# kernel_arg() outside a kernel call: only as `name.field = kernel_arg(...)`.
KERNEL_ARG = re.compile(r"\bkernel_arg\(")
# A kernel fetched once and called several times: `auto gemm = NERVE_KERNEL(...);`, then gemm(...).
FETCHED = re.compile(r"\bauto\s+(\w+)\s*=\s*(?:NERVE_KERNEL|require_kernel)\(")
STRUCT_FIELD = re.compile(r"^\s*\w+(?:->|\.)\w+\s*=\s*kernel_arg\(\w+(?:\.\w+)?\)\s*$")
# Files allowed to touch memory directly, each with its reason (none today); the test fails when
# one is fixed as well as when a new file appears.
KNOWN = set()


def _statements(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.split(r"[;{}]", text)


def _raw_accesses(text):
    host = set(HOST_DECL.findall(text))
    fetched = FETCHED.findall(text)
    calls = re.compile(r"^\s*(?:" + "|".join(fetched) + r")\(") if fetched else None
    out = []
    for statement in _statements(text):
        if ALLOWED.search(statement) or (calls and calls.match(statement)):
            continue
        out += [m.group(0) for m in RAW.finditer(statement) if m.group(1) not in host]
        if KERNEL_ARG.search(statement) and not STRUCT_FIELD.match(statement):
            out.append(statement.strip())
    return out


def _raw_memory_files():
    found = set()
    for folder in GUARDED:
        # a renamed folder must not silently drop out of the rule
        assert (CPP_SRC / folder).is_dir(), f"cpp/src/{folder} is gone: update GUARDED"
        for path in sorted((CPP_SRC / folder).glob("*.cpp")):
            if _raw_accesses(path.read_text()):
                found.add(f"{folder}/{path.name}")
    return found


def test_layers_trainer_optimizers_autograd_and_ops_touch_memory_only_through_dispatching_apis():
    found = _raw_memory_files()
    assert found - KNOWN == set(), (
        f"raw tensor memory access outside the kernels: {sorted(found - KNOWN)}"
    )
    assert KNOWN - found == set(), f"fixed, remove from KNOWN: {sorted(KNOWN - found)}"


def test_the_rule_sees_a_raw_access():
    assert _raw_accesses("float* p = t.data();")
    assert _raw_accesses("Tensor t; grads[0].data()[0] = 1;")
    assert not _raw_accesses(
        'NERVE_KERNEL(d, elementwise, add, "add")(a.data(), b.data(), c.data(), n);'
    )
    assert not _raw_accesses("std::vector<float> v(3); t.copy_from_host(v.data());")
    assert not _raw_accesses("RnnState s; s.mask = kernel_arg(t.mask);")
    assert _raw_accesses("const float* p = kernel_arg(t); p[0] = 1;")
    assert _raw_accesses("float* p = x.defined() ? x.data() : nullptr;")
    assert not _raw_accesses(
        'auto gemm = NERVE_KERNEL(d, gemm, sgemm, "dense"); gemm(a.data(), b.data(), c.data());'
    )
    assert _raw_accesses('auto gemm = NERVE_KERNEL(d, gemm, sgemm, "dense"); f(a.data());')


def test_ops_and_everything_above_them_include_no_cpu_kernel():
    """Only the kernel tables name CPU kernels: an op that includes cpu/... calls them directly."""
    found = []
    for folder in GUARDED:
        for path in sorted((CPP_SRC / folder).glob("*.cpp")):
            if re.search(r'#include\s+"cpu/', path.read_text()):
                found.append(f"{folder}/{path.name}")
    assert found == [], f"CPU kernels included above the kernel table: {found}"
