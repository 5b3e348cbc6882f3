// Runtime settings: ISA dispatch (NERVE_ISA / set_isa), threads, the conv algorithm, and nerve.config().
#include "nerve/runtime.h"

#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.h"
#include "nerve/denormals.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
py::dict blocking_dict(Isa isa) {
  const GemmBlocking b = gemm_blocking(isa);
  py::dict d;
  d["kernel"] = b.kernel;
  d["mr"] = b.mr;
  d["nr"] = b.nr;
  d["mc"] = b.mc;
  d["kc"] = b.kc;
  d["nc"] = b.nc;
  return d;
}
}  // namespace

void bind_runtime(py::module_& m) {
  m.def("num_threads", &num_threads, "Threads used by parallel kernels (GEMM).");
  m.def("set_num_threads", &set_num_threads, py::arg("n"),
        "Set the number of threads used by parallel kernels (overrides OMP_NUM_THREADS).");
  m.def("has_openmp", &has_openmp);
  m.def("flush_denormals", &flush_denormals,
        "Whether kernels compute with denormal floats flushed to zero (FTZ and DAZ).");
  m.def("set_flush_denormals", &set_flush_denormals, py::arg("on"),
        "Turn flushing of denormal floats in nerve's kernels on or off.");
  m.def(
      "active_isa", [] { return std::string(isa_name(active_isa())); },
      "The instruction set the kernels use now (raises if NERVE_ISA is invalid).");
  m.def(
      "detected_isa", [] { return std::string(isa_name(detected_isa())); },
      "The best instruction set this CPU and OS support (CPUID/XGETBV).");
  m.def(
      "set_isa", [](const std::string& name) { set_isa(isa_from_name(name)); }, py::arg("name"),
      "Force the kernel ISA: 'avx512', 'avx2' or 'generic' (for tests and benchmarks). Raises "
      "RuntimeError when the CPU lacks it, ValueError for an unknown name.");
  m.def(
      "bf16_kernel", [] { return std::string(bf16_kernel_name(active_bf16_kernel())); },
      "The kernel sgemm_bf16 uses now: 'amx', 'avx512_bf16' or 'plain'.");
  m.def(
      "set_bf16_kernel", [](const std::string& name) { set_bf16_kernel(bf16_kernel_from_name(name)); }, py::arg("name"),
      "Force the bfloat16 GEMM kernel: 'amx', 'avx512_bf16' or 'plain' (for tests and benchmarks). Raises "
      "RuntimeError when this machine cannot run it, ValueError for an unknown name.");
  m.def("usable_bf16_kernels", [] {
    std::vector<std::string> out;
    for (Bf16Kernel k : {Bf16Kernel::Plain, Bf16Kernel::Avx512Bf16, Bf16Kernel::Amx})
      if (static_cast<int>(k) <= static_cast<int>(detected_bf16_kernel())) out.push_back(bf16_kernel_name(k));
    return out;
  });
  m.def(
      "conv_algorithm", [] { return std::string(conv_algorithm_name(conv_algorithm())); },
      "The algorithm 3x3 stride-1 convolutions use: 'auto', 'direct' or 'winograd'.");
  m.def(
      "set_conv_algorithm", [](const std::string& name) { set_conv_algorithm(conv_algorithm_from_name(name)); },
      py::arg("name"),
      "'auto' (Winograd F(4x4,3x3) from 3 input channels and 4 filters), 'direct' (implicit GEMM / "
      "im2col) or 'winograd' (wherever it applies). Starts at NERVE_CONV_ALGORITHM, else 'auto'.");
  m.def("compiled_isas", [] {
    std::vector<std::string> out;
    for (Isa i : {Isa::Generic, Isa::Avx2, Isa::Avx512})
      if (isa_compiled(i)) out.push_back(isa_name(i));
    return out;
  });
  m.def(
      "config",
      [] {
        py::dict d;
        const Isa isa = active_isa();  // raises with a clear message for a bad NERVE_ISA
        d["isa"] = isa_name(isa);
        d["detected_isa"] = isa_name(detected_isa());
        d["num_threads"] = num_threads();
        d["conv_algorithm"] = conv_algorithm_name(conv_algorithm());
        d["openmp"] = has_openmp();
        d["flush_denormals"] = flush_denormals_supported() && flush_denormals();
        py::list compiled, usable;
        for (Isa i : {Isa::Generic, Isa::Avx2, Isa::Avx512}) {
          if (!isa_compiled(i)) continue;
          compiled.append(isa_name(i));
          if (static_cast<int>(i) <= static_cast<int>(detected_isa())) usable.append(isa_name(i));
        }
        d["compiled_isas"] = compiled;
        d["usable_isas"] = usable;
        d["gemm_blocking"] = blocking_dict(isa);
        const Bf16Kernel bk = active_bf16_kernel();
        d["bf16_kernel"] = bf16_kernel_detail(bk);  // e.g. "amx_32x32", "avx512bf16_14x32", "plain"
        d["detected_bf16_kernel"] = bf16_kernel_name(detected_bf16_kernel());
        if (detected_bf16_kernel() != Bf16Kernel::Amx) d["bf16_unusable"] = bf16_unusable_reason();
        return d;
      },
      "Runtime configuration: ISA in use, detected ISA, threads, conv algorithm, OpenMP, GEMM blocking, "
      "bfloat16 kernel.");
}

}  // namespace nerve::py_bindings
