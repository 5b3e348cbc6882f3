#include "nerve/distributed/mpi_reducer.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nerve {

namespace {

void* symbol(void* library, const std::string& path, const char* name) {
  void* s = dlsym(library, name);
  if (!s) throw std::runtime_error("nerve.distributed: " + path + " has no " + name + " (not an MPI library?)");
  return s;
}

void check(int code, const char* call) {
  // MPI_SUCCESS is 0 in every implementation; the default error handler aborts before this.
  if (code != 0)
    throw std::runtime_error(std::string("nerve.distributed: ") + call + " failed with code " + std::to_string(code));
}

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", s);
  return text;
}

}  // namespace

MpiGradientReducer::MpiGradientReducer(const std::string& library, MpiHandles handles, int64_t bucket_bytes,
                                       double timeout_seconds)
    : handles_(handles), bucket_bytes_(bucket_bytes), timeout_(timeout_seconds) {
  if (bucket_bytes < 1024)
    throw std::invalid_argument("MpiGradientReducer: bucket_bytes must be at least 1024, got " +
                                std::to_string(bucket_bytes));
  if (!(timeout_seconds > 0))
    throw std::invalid_argument("MpiGradientReducer: timeout_seconds must be positive, got " +
                                std::to_string(timeout_seconds));
  if (handles.size < 1 || handles.rank < 0 || handles.rank >= handles.size)
    throw std::invalid_argument("MpiGradientReducer: rank " + std::to_string(handles.rank) + " of " +
                                std::to_string(handles.size));
  // Already loaded by mpi4py: this only takes another reference to it (never closed).
  void* lib = dlopen(library.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!lib) throw std::runtime_error("nerve.distributed: cannot open " + library + ": " + dlerror());
  allreduce_ = reinterpret_cast<Allreduce>(symbol(lib, library, "MPI_Allreduce"));
  abort_ = reinterpret_cast<Abort>(symbol(lib, library, "MPI_Abort"));
  watchdog_ = std::thread([this] { watch(); });
}

MpiGradientReducer::~MpiGradientReducer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  watchdog_.join();
}

static int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void MpiGradientReducer::watch() {
  const auto period = std::min<std::chrono::duration<double>>(timeout_ / 10, std::chrono::seconds(1));
  const int64_t timeout_ns = int64_t(timeout_.count() * 1e9);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_.wait_for(lock, period, [this] { return stopping_; })) {
    int64_t started = started_ns_.load(std::memory_order_relaxed);
    if (started == 0 || now_ns() - started < timeout_ns) continue;
    std::string message = "nerve.distributed: rank " + std::to_string(handles_.rank) + " of " +
                          std::to_string(handles_.size) + " waited " + seconds(timeout_.count()) +
                          " s for the other ranks in an allreduce: a rank has died or stalled; aborting the job "
                          "(the timeout is NERVE_DISTRIBUTED_TIMEOUT or nerve.distributed.init(timeout=...))\n";
    std::fputs(message.c_str(), stderr);
    std::fflush(stderr);
    abort_(reinterpret_cast<void*>(handles_.comm), 1);
    std::_Exit(1);  // MPI_Abort does not return; in case it does
  }
}

void MpiGradientReducer::allreduce(const void* send, void* recv, int64_t count, uintptr_t datatype,
                                   size_t element_bytes) {
  started_ns_.store(now_ns(), std::memory_order_relaxed);
  const char* in = static_cast<const char*>(send);
  char* out = static_cast<char*>(recv);
  const int64_t bucket = std::max<int64_t>(1, bucket_bytes_ / int64_t(element_bytes));
  for (int64_t begin = 0; begin < count; begin += bucket) {
    int n = int(std::min(bucket, count - begin));
    check(allreduce_(in + begin * element_bytes, out + begin * element_bytes, n, reinterpret_cast<void*>(datatype),
                     reinterpret_cast<void*>(handles_.sum), reinterpret_cast<void*>(handles_.comm)),
          "MPI_Allreduce");
  }
  started_ns_.store(0, std::memory_order_relaxed);
}

void MpiGradientReducer::allreduce_sum(std::vector<float>& values) {
  std::vector<float> out(values.size());
  allreduce(values.data(), out.data(), int64_t(values.size()), handles_.float32, sizeof(float));
  values.swap(out);
}

void MpiGradientReducer::allreduce_sum(std::vector<double>& values) {
  std::vector<double> out(values.size());
  allreduce(values.data(), out.data(), int64_t(values.size()), handles_.float64, sizeof(double));
  values.swap(out);
}

void MpiGradientReducer::sum_over_replicas(double* values, int64_t n) {
  auto start = std::chrono::steady_clock::now();
  // In place: MPI_IN_PLACE is an ABI constant we cannot take from mpi4py, so through a copy.
  bn_send_.assign(values, values + n);
  allreduce(bn_send_.data(), values, n, handles_.float64, sizeof(double));
  comm_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool MpiGradientReducer::reduce(const std::vector<Tensor>& params, double local_weight, bool finite) {
  auto start = std::chrono::steady_clock::now();
  // One flat buffer: [weight, not-finite flag, every gradient * weight]. Weighting by the batch
  // size makes the average that of one global batch even when the ranks' batches differ.
  int64_t total = 2;
  for (const Tensor& p : params) total += p.numel();
  flat_.assign(size_t(total), 0.f);
  summed_.resize(size_t(total));
  flat_[0] = float(local_weight);
  flat_[1] = finite ? 0.f : 1.f;
  int64_t at = 2;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (finite && g.defined()) {
      if (g.numel() != p.numel())
        throw std::logic_error("MpiGradientReducer: a gradient of shape " + g.shape_string() +
                               " for a weight of shape " + p.shape_string());
      g.copy_to_host(flat_.data() + at);
      if (local_weight != 1.0)
        for (int64_t i = 0; i < p.numel(); ++i) flat_[size_t(at + i)] *= float(local_weight);
    }
    at += p.numel();
  }
  allreduce(flat_.data(), summed_.data(), total, handles_.float32, sizeof(float));
  ++calls_;
  bool all_finite = summed_[1] == 0.f;
  if (all_finite) {
    const float inv = summed_[0] > 0 ? 1.f / summed_[0] : 0.f;
    at = 2;
    for (const Tensor& p : params) {
      float* v = summed_.data() + at;
      for (int64_t i = 0; i < p.numel(); ++i) v[i] *= inv;
      // A new tensor, never the old gradient's memory: gradients may share storage.
      p.set_grad(Tensor::from_host(v, p.shape(), p.device()));
      at += p.numel();
    }
  }
  comm_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return all_finite;
}

Stats MpiGradientReducer::reduce_stats(const Stats& stats) {
  // Flattened in the same layout on every rank (same model, same metrics).
  std::vector<double> v = {stats.loss_sum, double(stats.samples), stats.non_finite ? 1.0 : 0.0};
  v.insert(v.end(), stats.output_loss_sums.begin(), stats.output_loss_sums.end());
  for (const MetricState& m : stats.metrics) {
    v.push_back(m.total);
    v.push_back(m.count);
    v.insert(v.end(), m.positives.begin(), m.positives.end());
    v.insert(v.end(), m.negatives.begin(), m.negatives.end());
    v.insert(v.end(), m.sums.begin(), m.sums.end());
  }
  allreduce_sum(v);
  Stats out = stats;
  out.loss_sum = v[0];
  out.samples = int64_t(v[1] + 0.5);
  out.non_finite = stats.non_finite || v[2] > 0;
  size_t at = 3;
  for (double& s : out.output_loss_sums) s = v[at++];
  for (MetricState& m : out.metrics) {
    m.total = v[at++];
    m.count = v[at++];
    for (double& p : m.positives) p = v[at++];
    for (double& n : m.negatives) n = v[at++];
    for (double& x : m.sums) x = v[at++];
  }
  return out;
}

}  // namespace nerve
