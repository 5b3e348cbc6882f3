// Process-wide run-time settings: which instruction set the kernels use, how 3x3 convolutions
// run, and how many threads.
#pragma once
#include <string>

namespace nerve {

enum class Isa : int { Generic = 0, Avx2 = 1, Avx512 = 2 };

const char* isa_name(Isa isa);
// Best ISA this CPU (and OS) supports, from CPUID/XGETBV.
Isa detected_isa();
// The ISA in use: detected_isa(), or lower when NERVE_ISA=generic|avx2|avx512 forces it
// (forcing one the CPU lacks throws std::runtime_error at first use).
Isa active_isa();
// Force an ISA from code (tests, benchmarks). Throws if the CPU does not support it. Leaves the
// bfloat16 kernel (below) as it is.
void set_isa(Isa isa);

// Which kernel runs sgemm_bf16 (gemm.h): AMX tiles (TDPBF16PS), AVX512-BF16 dot products
// (VDPBF16PS), or the plain path (operands rounded into float32 copies, then sgemm). The best one
// the CPU, the OS and the build allow is used; NERVE_ISA forces one along the ladder
//   amx > avx512_bf16 > avx512 > avx2 > generic
// where amx and avx512_bf16 run the float32 kernels of avx512 and the three others give the
// plain bfloat16 path. On Linux AMX needs the tile state from the kernel (arch_prctl
// ARCH_REQ_XCOMP_PERM), asked for once at detection; if refused AMX is not used
// (bf16_unusable_reason says why).
enum class Bf16Kernel : int { Plain = 0, Avx512Bf16 = 1, Amx = 2 };
const char* bf16_kernel_name(Bf16Kernel k);  // "plain", "avx512_bf16", "amx"
// "plain" / "avx512_bf16" / "amx" (any case); throws std::invalid_argument otherwise.
Bf16Kernel bf16_kernel_from_name(const std::string& name);
// The best bfloat16 kernel this CPU, OS and build can run.
Bf16Kernel detected_bf16_kernel();
// The bfloat16 kernel in use (detected_bf16_kernel(), or what NERVE_ISA forces).
Bf16Kernel active_bf16_kernel();
// Force a bfloat16 kernel from code (tests, benchmarks). Throws std::runtime_error if unusable.
void set_bf16_kernel(Bf16Kernel k);
// Why the faster bfloat16 kernels are not usable here ("" when AMX is), e.g. "AMX: the kernel
// refused the tile state (arch_prctl: Operation not permitted)".
std::string bf16_unusable_reason();
// True when this build contains the kernel (x86-64 GCC/Clang builds whose compiler knows the
// flags contain all three).
bool bf16_kernel_compiled(Bf16Kernel k);
// The bfloat16 kernel's blocking name, e.g. "amx_32x32", "avx512bf16_14x32", "plain".
const char* bf16_kernel_detail(Bf16Kernel k);

// Which algorithm runs a 3x3 convolution at stride 1 and dilation 1 (all others run direct):
//   Auto: Winograd F(4x4, 3x3) from 3 input channels and 4 filters (measured faster there;
//         see cpp/src/ops/conv2d.cpp), else direct;
//   Direct: the implicit GEMM (from 16 input channels) or im2col + GEMM, also for convolutions
//           to few filters (which Auto and Winograd run as GEMMs over taps x filters:
//           cpu/conv/conv_few_filters.cpp);
//   Winograd: Winograd wherever it applies (tests use it to cover 1 and 2 channels).
// Starts at NERVE_CONV_ALGORITHM (auto | direct | winograd) when set, else Auto; an unknown
// value throws std::invalid_argument at first use.
enum class ConvAlgorithm : int { Auto = 0, Direct = 1, Winograd = 2 };
ConvAlgorithm conv_algorithm();
void set_conv_algorithm(ConvAlgorithm a);
// "auto" / "direct" / "winograd" (any case); throws std::invalid_argument otherwise.
ConvAlgorithm conv_algorithm_from_name(const std::string& name);
const char* conv_algorithm_name(ConvAlgorithm a);

// Threads used by parallel kernels. Starts at OMP_NUM_THREADS or the core count.
int num_threads();
void set_num_threads(int n);
bool has_openmp();

// --- GEMM kernel introspection (added by the GEMM kernels; cpp/kernels/cpu/gemm) ---
// True when this build contains the kernels of `isa` (x86-64 GCC/Clang builds contain all three).
bool isa_compiled(Isa isa);
// The register and cache blocking the GEMM uses on `isa` (throws if not compiled).
struct GemmBlocking {
  const char* kernel;  // e.g. "avx512_14x32"
  int mr, nr;          // micro-kernel register block (rows x cols of C)
  int mc, kc, nc;      // cache blocks: rows of packed A (L3), depth, cols of packed B (L2)
};
GemmBlocking gemm_blocking(Isa isa);
// Benchmark helper: single-precision FMA throughput (GFLOP/s) of the active ISA's vectors with
// `threads` threads each running an FMA loop (best of 5 runs of ~0.05 s). Used for "% of peak".
double measure_fma_peak_gflops(int threads);
// The ISA named by `name` ("generic", "avx2", "avx512"); throws std::invalid_argument otherwise.
Isa isa_from_name(const std::string& name);

}  // namespace nerve
