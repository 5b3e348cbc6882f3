// Process-wide runtime: CPU feature detection (CPUID + XGETBV), the NERVE_ISA override and the
// thread count used by parallel kernels.
#include "nerve/runtime.h"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "nerve/denormals.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif
#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

namespace nerve {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Generic:
      return "generic";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
  }
  return "?";
}

namespace {
// Setting names are matched in any case: NERVE_ISA=AVX2 works as avx2 does.
std::string lower(const std::string& name) {
  std::string s;
  for (char ch : name) s += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}
}  // namespace

Isa isa_from_name(const std::string& name) {
  const std::string s = lower(name);
  if (s == "generic") return Isa::Generic;
  if (s == "avx2") return Isa::Avx2;
  if (s == "avx512") return Isa::Avx512;
  throw std::invalid_argument("unknown ISA \"" + name + "\": expected one of avx512, avx2, generic");
}

namespace {

#if defined(__x86_64__) || defined(__i386__)
uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));  // xgetbv
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

Isa detect() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::Generic;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  if (!osxsave || !avx) return Isa::Generic;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;    // XMM + YMM state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  if (!os_ymm) return Isa::Generic;
  if (__get_cpuid_max(0, nullptr) < 7) return Isa::Generic;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  if (avx2 && fma && os_zmm && avx512f && avx512dq && avx512bw && avx512vl) return Isa::Avx512;
  if (avx2 && fma) return Isa::Avx2;
  return Isa::Generic;
}

// The bfloat16 kernels: AVX512-BF16 is CPUID.(7,1):EAX bit 5; AMX-BF16 and AMX-TILE are
// CPUID.(7,0):EDX bits 22 and 24, with the tile configuration and data state enabled by the OS
// (XCR0 bits 17 and 18). Both kernel TUs also use AVX-512 (packing, the epilogue).
struct Bf16Detection {
  Bf16Kernel best = Bf16Kernel::Plain;
  std::string why;  // why the faster ones are not usable
};

// Linux gives a process the AMX tile data state (8 KiB more per thread's saved context) only
// when asked, once per process; without it the first tile instruction raises SIGILL.
bool request_amx_permission(std::string& why) {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0) return true;
  why = std::string("AMX: the kernel refused the tile state (arch_prctl ARCH_REQ_XCOMP_PERM: ") + std::strerror(errno) +
        ")";
  return false;
#else
  why = "AMX: only used on Linux (the tile state must be requested from the OS)";
  return false;
#endif
}

Bf16Detection detect_bf16() {
  Bf16Detection r;
  if (detect() != Isa::Avx512) {
    r.why = "no AVX-512 (the bfloat16 kernels need AVX-512F/BW/DQ/VL)";
    return r;
  }
  unsigned a, b, c, d;
  __cpuid_count(7, 0, a, b, c, d);
  const unsigned max_sub = a;
  const bool amx_bf16 = d & (1u << 22), amx_tile = d & (1u << 24);
  bool avx512_bf16 = false;
  if (max_sub >= 1) {
    unsigned a1, b1, c1, d1;
    __cpuid_count(7, 1, a1, b1, c1, d1);
    avx512_bf16 = a1 & (1u << 5);
  }
  if (!avx512_bf16) {
    r.why = "no AVX512-BF16 on this CPU";
  } else if (!bf16_kernel_compiled(Bf16Kernel::Avx512Bf16)) {
    r.why = "this build has no AVX512-BF16 kernel (compiler without -mavx512bf16)";
  } else {
    r.best = Bf16Kernel::Avx512Bf16;
  }
  const uint64_t xcr0 = read_xcr0();
  if (!amx_bf16 || !amx_tile || !avx512_bf16) {  // the AMX TU packs with VCVTNE2PS2BF16
    if (r.why.empty()) r.why = "no AMX-BF16 on this CPU";
  } else if ((xcr0 & (3ull << 17)) != (3ull << 17)) {
    r.why = "AMX: the OS has not enabled the tile state (XCR0 bits 17/18)";
  } else if (!bf16_kernel_compiled(Bf16Kernel::Amx)) {
    r.why = "this build has no AMX kernel (compiler without -mamx-tile -mamx-bf16)";
  } else if (request_amx_permission(r.why)) {
    r.best = Bf16Kernel::Amx;
  }
  return r;
}
#else
Isa detect() { return Isa::Generic; }
struct Bf16Detection {
  Bf16Kernel best = Bf16Kernel::Plain;
  std::string why = "not an x86-64 CPU";
};
Bf16Detection detect_bf16() { return {}; }
#endif

const Bf16Detection& bf16_detection() {
  static const Bf16Detection d = detect_bf16();
  return d;
}

Isa best_compiled(Isa cpu) {
  for (int i = static_cast<int>(cpu); i > 0; --i)
    if (isa_compiled(static_cast<Isa>(i))) return static_cast<Isa>(i);
  return Isa::Generic;
}

// -1: NERVE_ISA was invalid (g_isa_error says why) until set_isa() is called.
std::atomic<int> g_isa{-2};  // -2: not initialised yet
std::atomic<int> g_bf16{0};  // Bf16Kernel, set with g_isa
std::string g_isa_error;
std::once_flag g_isa_once;

void init_isa() {
  std::call_once(g_isa_once, [] {
    const Isa cpu = detected_isa();
    const char* env = std::getenv("NERVE_ISA");
    const std::string want = lower(env ? env : "");
    if (want.empty() || want == "auto") {
      g_isa.store(static_cast<int>(best_compiled(cpu)));
      g_bf16.store(static_cast<int>(detected_bf16_kernel()));
      return;
    }
    // amx and avx512_bf16 sit above avx512 on the ladder: the float32 kernels of avx512 with that
    // bfloat16 kernel. avx512, avx2 and generic give the plain bfloat16 path.
    if (want == "amx" || want == "avx512_bf16") {
      const Bf16Kernel k = want == "amx" ? Bf16Kernel::Amx : Bf16Kernel::Avx512Bf16;
      if (static_cast<int>(k) > static_cast<int>(detected_bf16_kernel())) {
        g_isa_error = std::string("NERVE_ISA=") + want + " requested, but this machine can run only the " +
                      bf16_kernel_name(detected_bf16_kernel()) + " bfloat16 kernel (" + bf16_unusable_reason() + ")";
        g_isa.store(-1);
        return;
      }
      g_isa.store(static_cast<int>(Isa::Avx512));
      g_bf16.store(static_cast<int>(k));
      return;
    }
    Isa forced;
    try {
      forced = isa_from_name(want);
    } catch (const std::invalid_argument&) {
      g_isa_error = std::string("NERVE_ISA=\"") + env +
                    "\" is not valid: expected one of amx, avx512_bf16, avx512, avx2, generic (or auto)";
      g_isa.store(-1);
      return;
    }
    if (static_cast<int>(forced) > static_cast<int>(cpu)) {
      g_isa_error = std::string("NERVE_ISA=") + want + " requested, but this CPU supports only " + isa_name(cpu) +
                    " (best of avx512 > avx2 > generic)";
      g_isa.store(-1);
      return;
    }
    if (!isa_compiled(forced)) {
      g_isa_error =
          std::string("NERVE_ISA=") + want + " requested, but this build of nerve has no " + want + " kernels";
      g_isa.store(-1);
      return;
    }
    g_isa.store(static_cast<int>(forced));
    g_bf16.store(static_cast<int>(Bf16Kernel::Plain));
  });
}

std::atomic<int> g_threads{0};

#ifdef NERVE_HAVE_OPENMP
int default_threads() {
  return omp_get_max_threads();  // honours OMP_NUM_THREADS, else the number of cores
}
#endif

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() {
  init_isa();
  const int v = g_isa.load(std::memory_order_relaxed);
  if (v < 0) throw std::runtime_error(g_isa_error);
  return static_cast<Isa>(v);
}

void set_isa(Isa isa) {
  init_isa();
  const Isa cpu = detected_isa();
  if (static_cast<int>(isa) > static_cast<int>(cpu))
    throw std::runtime_error(std::string("set_isa: this CPU does not support ") + isa_name(isa) +
                             " (detected: " + isa_name(cpu) + ")");
  if (!isa_compiled(isa))
    throw std::runtime_error(std::string("set_isa: this build of nerve has no ") + isa_name(isa) + " kernels");
  g_isa.store(static_cast<int>(isa));
}

const char* bf16_kernel_name(Bf16Kernel k) {
  switch (k) {
    case Bf16Kernel::Plain:
      return "plain";
    case Bf16Kernel::Avx512Bf16:
      return "avx512_bf16";
    case Bf16Kernel::Amx:
      return "amx";
  }
  return "?";
}

Bf16Kernel bf16_kernel_from_name(const std::string& name) {
  const std::string s = lower(name);
  if (s == "plain") return Bf16Kernel::Plain;
  if (s == "avx512_bf16") return Bf16Kernel::Avx512Bf16;
  if (s == "amx") return Bf16Kernel::Amx;
  throw std::invalid_argument("unknown bfloat16 kernel \"" + name + "\": expected one of amx, avx512_bf16, plain");
}

Bf16Kernel detected_bf16_kernel() { return bf16_detection().best; }

std::string bf16_unusable_reason() { return bf16_detection().why; }

Bf16Kernel active_bf16_kernel() {
  active_isa();  // reads NERVE_ISA (raises for an invalid one)
  return static_cast<Bf16Kernel>(g_bf16.load(std::memory_order_relaxed));
}

void set_bf16_kernel(Bf16Kernel k) {
  init_isa();
  if (static_cast<int>(k) > static_cast<int>(detected_bf16_kernel()))
    throw std::runtime_error(std::string("set_bf16_kernel: cannot use ") + bf16_kernel_name(k) + " here (best: " +
                             bf16_kernel_name(detected_bf16_kernel()) + "; " + bf16_unusable_reason() + ")");
  g_bf16.store(static_cast<int>(k));
}

int num_threads() {
#ifdef NERVE_HAVE_OPENMP
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    int expected = 0;
    n = default_threads();
    if (!g_threads.compare_exchange_strong(expected, n)) n = expected;
  }
  return n;
#else
  return 1;
#endif
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: n must be >= 1, got " + std::to_string(n));
#ifdef NERVE_HAVE_OPENMP
  g_threads.store(n);
  omp_set_num_threads(n);  // also for OpenMP regions elsewhere that do not pass num_threads()
#endif
}

// --- denormals (nerve/denormals.h) ---

namespace {
// Read once, at load time, so it must not throw: 0 / false / off / no turn flushing off, anything
// else (or nothing) leaves it on.
bool flush_denormals_from_env() {
  const char* v = std::getenv("NERVE_FLUSH_DENORMALS");
  if (!v) return true;
  const std::string s = lower(v);
  return !(s == "0" || s == "false" || s == "off" || s == "no");
}
}  // namespace

namespace detail {
std::atomic<bool> flush_denormals_on{flush_denormals_from_env()};
}

void set_flush_denormals(bool on) { detail::flush_denormals_on.store(on, std::memory_order_relaxed); }

bool has_openmp() {
#ifdef NERVE_HAVE_OPENMP
  return true;
#else
  return false;
#endif
}

// --- convolution algorithm ---

ConvAlgorithm conv_algorithm_from_name(const std::string& name) {
  const std::string s = lower(name);
  if (s == "auto") return ConvAlgorithm::Auto;
  if (s == "direct") return ConvAlgorithm::Direct;
  if (s == "winograd") return ConvAlgorithm::Winograd;
  throw std::invalid_argument("unknown convolution algorithm \"" + name + "\": expected one of auto, direct, winograd");
}

const char* conv_algorithm_name(ConvAlgorithm a) {
  switch (a) {
    case ConvAlgorithm::Auto:
      return "auto";
    case ConvAlgorithm::Direct:
      return "direct";
    case ConvAlgorithm::Winograd:
      return "winograd";
  }
  return "?";
}

namespace {
std::atomic<int> g_conv_algorithm{-1};  // -1: not read from NERVE_CONV_ALGORITHM yet
}  // namespace

ConvAlgorithm conv_algorithm() {
  int a = g_conv_algorithm.load();
  if (a < 0) {  // an unknown NERVE_CONV_ALGORITHM fails the first convolution, by name
    const char* env = std::getenv("NERVE_CONV_ALGORITHM");
    try {
      a = static_cast<int>(env && *env ? conv_algorithm_from_name(env) : ConvAlgorithm::Auto);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("NERVE_CONV_ALGORITHM: ") + e.what());
    }
    g_conv_algorithm.store(a);
  }
  return static_cast<ConvAlgorithm>(a);
}

void set_conv_algorithm(ConvAlgorithm a) { g_conv_algorithm.store(static_cast<int>(a)); }

}  // namespace nerve
