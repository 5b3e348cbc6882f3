// Per-ISA GEMM kernel selection (baseline-compiled). The tables themselves live in the ISA TUs.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernel.h"
#include "nerve/runtime.h"

namespace nerve {

bool isa_compiled(Isa isa) {
  switch (isa) {
    case Isa::Generic:
      return true;
    case Isa::Avx2:
#ifdef NERVE_GEMM_HAVE_AVX2
      return true;
#else
      return false;
#endif
    case Isa::Avx512:
#ifdef NERVE_GEMM_HAVE_AVX512
      return true;
#else
      return false;
#endif
  }
  return false;
}

namespace gemm_detail {
namespace {

const GemmKernel* raw_kernel(Isa isa) {
  switch (isa) {
#ifdef NERVE_GEMM_HAVE_AVX512
    case Isa::Avx512:
      return gemm_kernel_avx512();
#endif
#ifdef NERVE_GEMM_HAVE_AVX2
    case Isa::Avx2:
      return gemm_kernel_avx2();
#endif
    case Isa::Generic:
      return gemm_kernel_generic();
    default:
      break;
  }
  throw std::runtime_error(std::string("nerve: the ") + isa_name(isa) +
                           " GEMM kernels were not compiled into this build");
}

// Tuning aid (documented in cpp/kernels/cpu/gemm/README.md): NERVE_GEMM_BLOCKING="mc,kc,nc"
// overrides the cache blocks of every kernel; values are rounded to the register block.
GemmKernel apply_env_blocking(GemmKernel k) {
  const char* s = std::getenv("NERVE_GEMM_BLOCKING");
  if (!s || !*s) return k;
  long mc = 0, kc = 0, nc = 0;
  if (std::sscanf(s, "%ld,%ld,%ld", &mc, &kc, &nc) != 3 || mc < 1 || kc < 1 || nc < 1)
    throw std::runtime_error(std::string("NERVE_GEMM_BLOCKING must be \"mc,kc,nc\" (positive "
                                         "integers), got \"") +
                             s + "\"");
  k.mc = static_cast<int>((mc + k.mr - 1) / k.mr * k.mr);
  k.kc = static_cast<int>(kc < k.kcp ? kc : k.kcp);  // kc <= kcp (row-panel A layout)
  k.nc = static_cast<int>((nc + k.nr - 1) / k.nr * k.nr);
  return k;
}

// Tuning and testing aid (README.md here): NERVE_GEMM_PACK_A=1 packs A even where a kernel could
// read it in place (ukernel_inplace), to compare the two; the results are the same bit for bit.
GemmKernel apply_env_pack_a(GemmKernel k) {
  const char* s = std::getenv("NERVE_GEMM_PACK_A");
  if (!s || !*s || std::string(s) == "0") return k;
  if (std::string(s) != "1")
    throw std::runtime_error(std::string("NERVE_GEMM_PACK_A must be \"0\" or \"1\", got \"") + s + "\"");
  for (auto& fn : k.ukernel_inplace) fn = nullptr;
  return k;
}

// Testing aid: NERVE_GEMM_NARROW=0 computes products of a few columns untransposed (README.md).
GemmKernel apply_env_narrow(GemmKernel k) {
  const char* s = std::getenv("NERVE_GEMM_NARROW");
  if (!s || !*s || std::string(s) == "1") return k;
  if (std::string(s) != "0")
    throw std::runtime_error(std::string("NERVE_GEMM_NARROW must be \"0\" or \"1\", got \"") + s + "\"");
  k.narrow_transposed = false;
  return k;
}

}  // namespace

const GemmKernel& gemm_kernel_for(Isa isa) {
  static GemmKernel tables[3];
  static std::once_flag once[3];
  const int i = static_cast<int>(isa);
  if (i < 0 || i > 2) throw std::invalid_argument("gemm_kernel_for: bad Isa");
  std::call_once(once[i],
                 [&] { tables[i] = apply_env_narrow(apply_env_pack_a(apply_env_blocking(*raw_kernel(isa)))); });
  return tables[i];
}

}  // namespace gemm_detail

GemmBlocking gemm_blocking(Isa isa) {
  const auto& k = gemm_detail::gemm_kernel_for(isa);
  return GemmBlocking{k.name, k.mr, k.nr, k.mc, k.kc, k.nc};
}

}  // namespace nerve
