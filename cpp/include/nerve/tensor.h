// Tensor: a float32 n-d array with shape, strides and shared, 64-byte-aligned storage, plus the
// autograd fields (requires_grad, grad, grad_fn). A Tensor is a cheap handle (shared_ptr); copies
// alias the same data, as in PyTorch.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nerve/device.h"
#include "nerve/shape.h"

namespace nerve {

std::string shape_str(const Shape& s);
// "(None, 28, 28)": a per-sample shape with the batch axis shown as Keras does (unknown
// dimensions show as None too).
std::string batch_shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

// A per-sample dimension left open until the data arrives (Keras None): the timesteps of
// nerve.Input(shape=(None, 8)). Only layer and model shapes hold it, never a tensor's shape.
constexpr int64_t kUnknownDim = -1;
// True when no dimension of `s` is unknown.
bool shape_known(const Shape& s);
// True when `got` fits `spec`: the same rank, and equal wherever `spec` is known.
bool shape_fits(const Shape& spec, const Shape& got);

constexpr size_t kAlignment = 64;

class Storage {
 public:
  // Fresh memory from the device's allocator (64-byte aligned on CPU).
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device = current_device());
  // Memory owned by someone else (a numpy array); `release` runs when the storage dies.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, Device device, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  Storage() = default;
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_{};
  std::function<void()> release_;
};

struct Node;
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Creation, on the current device unless one is given (nerve/device.h). Contents of empty()
  // are uninitialised.
  static Tensor empty(const Shape& shape, Device device = current_device());
  static Tensor zeros(const Shape& shape, Device device = current_device());
  static Tensor full(const Shape& shape, float value, Device device = current_device());
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape, Device device = current_device());
  // A copy of shape_numel(shape) floats of host memory, on `device`.
  static Tensor from_host(const float* values, const Shape& shape, Device device = current_device());
  // A view of existing storage (no copy). Strides in elements.
  static Tensor view_of(std::shared_ptr<Storage> storage, int64_t offset, const Shape& shape, const Shape& strides);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t axis) const;  // negative axes count from the end
  int64_t numel() const;
  bool is_contiguous() const;
  Device device() const;
  const std::shared_ptr<Storage>& storage() const;
  int64_t offset() const;

  // First element (storage + offset): memory of the tensor's device, which only that device's
  // kernels may touch unless its backend is host_accessible. Host code copies instead:
  float* data() const;
  std::vector<float> to_vector() const;
  float item() const;                           // the value of a one-element tensor
  void copy_to_host(float* dst) const;          // numel() floats, in row-major order
  void copy_from_host(const float* src) const;  // into this contiguous tensor's memory
  // This tensor on `device`: itself when it is there already, else a copy (no autograd history).
  Tensor to(Device device) const;

  // Views and copies. reshape() is a view of a contiguous tensor; -1 infers one dimension.
  Tensor reshape(const Shape& shape) const;
  Tensor contiguous() const;
  Tensor clone() const;
  // Same data, no autograd history (also used by backward nodes to save outputs without cycles).
  Tensor detach() const;

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool value);
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  const std::shared_ptr<Node>& grad_fn() const;
  // Reverse-mode backward from this tensor; with no gradient given it must hold one element.
  void backward(const Tensor& gradient = Tensor()) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  std::string shape_string() const { return shape_str(shape()); }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Read-only host access to a tensor's values, for host-side logic (metrics, masks built from
// token ids): the tensor's own memory when its device is host-accessible (no copy, as before
// devices), else a host copy made through the backend. Contiguous, row-major.
class HostView {
 public:
  explicit HostView(const Tensor& t);
  const float* data() const { return data_; }
  int64_t size() const { return size_; }
  float operator[](int64_t i) const { return data_[i]; }

 private:
  Tensor keep_;              // the contiguous tensor whose memory data_ points into
  std::vector<float> copy_;  // or the host copy
  const float* data_ = nullptr;
  int64_t size_ = 0;
};

// For ops whose losses want the pre-activation values (softmax/sigmoid followed by
// cross-entropy): the probability output remembers its logits, as Keras does.
enum class LogitsOf : unsigned char { None, Softmax, Sigmoid };

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;
  Shape shape;
  Shape strides;
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  Tensor logits;  // set by softmax / sigmoid
  LogitsOf logits_of = LogitsOf::None;
  Tensor mask;  // [batch, timesteps] of 0/1: padding mask set by Embedding(mask_zero), read by sequence layers
  // A layer weight's "layer/name" (Keras's variable.path; the part after the last '/' is its
  // variable.name: "kernel", "bias", ...); null for other tensors. Interned (intern_path): a
  // pointer keeps TensorImpl within the small-block pool's blocks.
  const std::string* path = nullptr;
};

// The one lasting copy of a weight path (a process holds few: one per weight ever named).
const std::string* intern_path(const std::string& path);

}  // namespace nerve
