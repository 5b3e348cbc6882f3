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
// Force an ISA from code (tests, benchmarks). Throws if the CPU does not support it.
void set_isa(Isa isa);

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
