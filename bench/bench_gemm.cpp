// nerve::sgemm vs Eigen (same cmeel-eigen headers) on square and deep-learning shapes, for 1 and
// 2 threads; GFLOP/s = median over repeats after a warm-up, plus the share of the FMA peak
// measured in-process. Usage: bench_gemm [--threads 1,2] [--min-time 0.3] [--only square|dl|small]
//                                        [--isa avx512|avx2|generic] [--no-eigen]
//                                        [--shape M,K,N ...]  (only the given shapes)
//                                        [--bf16 [amx|avx512_bf16|plain]]
// --bf16: the rows time nerve::sgemm_bf16 (on the kernel named, else the best one) against nerve's
// own float32 sgemm in the peer column (Eigen is left out); %peak is then against the float32
// FMA peak, which the bfloat16 kernels exceed.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "nerve/gemm.h"
#include "nerve/runtime.h"
#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

void bench_eigen_sgemm(int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C);
void bench_eigen_set_threads(int n);
const char* bench_eigen_simd();
const char* bench_eigen_version();

namespace {

using clk = std::chrono::steady_clock;
double now() { return std::chrono::duration<double>(clk::now().time_since_epoch()).count(); }

// Times f and g alternately (f, g, f, g, ...) after a warm-up, so both see the same machine
// noise; returns the medians of each and the median of the per-pair ratios t_g / t_f.
template <class F, class G>
void median_pair(F&& f, G&& g, bool use_g, double min_time, double& tf, double& tg, double& ratio) {
  for (int i = 0; i < 2; ++i) {  // warm-up (also grows nerve's thread-local packing buffers)
    f();
    if (use_g) g();
  }
  std::vector<double> a, b, r;
  const double start = now();
  while (a.size() < 5 || (now() - start < min_time && a.size() < 60)) {
    const double t0 = now();
    f();
    const double t1 = now();
    if (use_g) g();
    const double t2 = now();
    a.push_back(t1 - t0);
    b.push_back(t2 - t1);
    r.push_back((t2 - t1) / (t1 - t0));
  }
  auto med = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  tf = med(a);
  tg = use_g ? med(b) : 0;
  ratio = use_g ? med(r) : 0;
}

struct Shape {
  const char* label;
  int64_t M, K, N;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads = {1, 2};
  double min_time = 0.4;
  std::string only;
  bool eigen = true;
  bool bf16 = false;
  std::vector<Shape> custom;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads.clear();
      for (char* tok = std::strtok(argv[++i], ","); tok; tok = std::strtok(nullptr, ","))
        threads.push_back(std::atoi(tok));
    } else if (a == "--min-time" && i + 1 < argc) {
      min_time = std::atof(argv[++i]);
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--isa" && i + 1 < argc) {
      nerve::set_isa(nerve::isa_from_name(argv[++i]));
    } else if (a == "--no-eigen") {
      eigen = false;
    } else if (a == "--bf16") {
      bf16 = true;
      if (i + 1 < argc && argv[i + 1][0] != '-') nerve::set_bf16_kernel(nerve::bf16_kernel_from_name(argv[++i]));
    } else if (a == "--shape" && i + 1 < argc) {  // M,K,N (repeatable): only these shapes
      long long m = 0, k = 0, n = 0;
      if (std::sscanf(argv[++i], "%lld,%lld,%lld", &m, &k, &n) != 3 || m < 1 || k < 1 || n < 1) {
        std::fprintf(stderr, "--shape wants M,K,N (positive integers)\n");
        return 2;
      }
      custom.push_back({"custom", m, k, n});
    } else {
      std::fprintf(stderr,
                   "usage: %s [--threads 1,2] [--min-time s] [--only square|dl|small] "
                   "[--isa avx512|avx2|generic] [--no-eigen] [--shape M,K,N ...] [--bf16 [kernel]]\n",
                   argv[0]);
      return 2;
    }
  }
  std::vector<Shape> shapes = custom;
  if (!custom.empty()) only = "none";
  if (only == "small") {  // small-batch training: K = batch size (weight gradients), one row (one sample)
    shapes.push_back({"dW batch 8", 784, 8, 256});
    shapes.push_back({"dW batch 32", 256, 32, 128});
    shapes.push_back({"dW batch 32", 784, 32, 256});
    shapes.push_back({"one row", 1, 784, 256});
    shapes.push_back({"one row", 1, 256, 128});
    only = "none";
  }
  if (only != "dl" && only != "none")
    for (int64_t n : {128, 256, 512, 1024, 1536, 2048}) shapes.push_back({"square", n, n, n});
  if (only != "square" && only != "none") {
    shapes.push_back({"dense 784->256", 128, 784, 256});
    shapes.push_back({"dense 256->128", 128, 256, 128});
    shapes.push_back({"dense 800->500", 64, 800, 500});
    shapes.push_back({"conv3x3 im2col", 64, 576, 32768});
    // The same convolution as nerve's Conv2D runs it: pixels x patch @ patch x filters.
    shapes.push_back({"conv3x3 NHWC", 32768, 576, 64});
  }

  const auto blk = nerve::gemm_blocking(nerve::active_isa());
  std::printf("nerve GEMM benchmark: isa=%s (detected %s), kernel %s, MR=%d NR=%d MC=%d KC=%d NC=%d, openmp=%d\n",
              nerve::isa_name(nerve::active_isa()), nerve::isa_name(nerve::detected_isa()), blk.kernel, blk.mr, blk.nr,
              blk.mc, blk.kc, blk.nc, int(nerve::has_openmp()));
  std::printf("Eigen %s, SIMD in Eigen's TU: %s\n", bench_eigen_version(), bench_eigen_simd());
  if (bf16)
    std::printf("bfloat16 rows: nerve::sgemm_bf16 on %s (%s) vs nerve::sgemm float32 in the peer column\n",
                nerve::bf16_kernel_detail(nerve::active_bf16_kernel()),
                nerve::bf16_kernel_name(nerve::active_bf16_kernel()));
  std::vector<double> peak(threads.size());
  for (size_t t = 0; t < threads.size(); ++t) {
    peak[t] = nerve::measure_fma_peak_gflops(threads[t]);
    std::printf("measured FMA peak, %d thread(s): %.1f GFLOP/s\n", threads[t], peak[t]);
  }
  std::printf(
      "(ratio = median over alternating nerve/Eigen pairs of t_eigen / t_nerve; %%peak = median\n"
      " over 3 sub-runs of GFLOP/s over the FMA peak probed just before that sub-run; peak = median probe)\n");
  std::printf("\n%-16s %5s %5s %6s %3s %10s %10s %7s %7s %8s\n", "shape", "M", "K", "N", "thr",
              bf16 ? "bf16 GF/s" : "nerve GF/s", bf16 ? "f32 GF/s" : "Eigen GF/s", "ratio", "%peak", "peak");

  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (const auto& s : shapes) {
    std::vector<float> A(s.M * s.K), B(s.K * s.N), C(s.M * s.N), C2(s.M * s.N);
    for (auto& v : A) v = dist(rng);
    for (auto& v : B) v = dist(rng);
    const double flops = 2.0 * s.M * s.N * s.K;
    for (size_t t = 0; t < threads.size(); ++t) {
      nerve::set_num_threads(threads[t]);
      bench_eigen_set_threads(threads[t]);
      // Three sub-runs, each right after its own FMA-peak probe: the clock drifts here (a busy
      // SMT sibling on the host), so the share of peak is taken per sub-run, against the peak of
      // that moment, and its median reported; GFLOP/s and the ratio are medians over sub-runs.
      std::vector<double> tns, tes, ratios, shares, peaks;
      for (int sub = 0; sub < 3; ++sub) {
        const double pk = nerve::measure_fma_peak_gflops(threads[t]);
        double tn = 0, te = 0, ratio = 0;
        median_pair(
            [&] {
              if (bf16)
                nerve::sgemm_bf16(nerve::Trans::No, nerve::Trans::No, s.M, s.N, s.K, 1.f, A.data(), s.K, B.data(), s.N,
                                  0.f, C.data(), s.N);
              else
                nerve::sgemm(nerve::Trans::No, nerve::Trans::No, s.M, s.N, s.K, 1.f, A.data(), s.K, B.data(), s.N, 0.f,
                             C.data(), s.N);
            },
            [&] {
              if (bf16)
                nerve::sgemm(nerve::Trans::No, nerve::Trans::No, s.M, s.N, s.K, 1.f, A.data(), s.K, B.data(), s.N, 0.f,
                             C2.data(), s.N);
              else
                bench_eigen_sgemm(s.M, s.N, s.K, A.data(), B.data(), C2.data());
            },
            eigen || bf16, min_time / 3, tn, te, ratio);
        tns.push_back(tn);
        tes.push_back(te);
        ratios.push_back(ratio);
        peaks.push_back(pk);
        shares.push_back(flops / tn * 1e-9 / pk);
      }
      auto med3 = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
      };
      const double tn = med3(tns), te = med3(tes), ratio = med3(ratios), pk = med3(peaks);
      if (eigen || bf16) {
        double maxdiff = 0;
        for (size_t i = 0; i < C.size(); ++i) maxdiff = std::max(maxdiff, double(std::fabs(C[i] - C2[i])));
        // bfloat16 rounds each operand by up to 2^-9: on uniform(-1, 1) data the sums differ by
        // about 2^-8 sqrt(K) / 3; 1e-3 sqrt(K) is float32's slack.
        const double bound = (bf16 ? 0.02 : 1e-3) * std::sqrt(double(s.K));
        if (maxdiff > bound) std::printf("  !! nerve and %s differ by %g\n", bf16 ? "float32" : "Eigen", maxdiff);
      }
      const double gn = flops / tn * 1e-9, ge = te > 0 ? flops / te * 1e-9 : 0;  // ratio: t_peer / t_nerve
      std::printf("%-16s %5lld %5lld %6lld %3d %10.1f %10.1f %7.2f %6.1f%% %8.1f\n", s.label, (long long)s.M,
                  (long long)s.K, (long long)s.N, threads[t], gn, ge, ratio, 100.0 * med3(shares), pk);
      std::fflush(stdout);
    }
  }
  return 0;
}
