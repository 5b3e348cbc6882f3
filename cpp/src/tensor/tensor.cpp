#include "nerve/tensor.h"

#include <cstdint>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "nerve/autograd.h"
#include "nerve/out_of_memory.h"
#include "ops/dispatch.h"
#include "small_block_pool.h"

namespace nerve {

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << "(";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  if (s.size() == 1) o << ",";
  o << ")";
  return o.str();
}

std::string batch_shape_str(const Shape& s) {
  std::string out = "(None";
  for (int64_t d : s) out += ", " + (d == kUnknownDim ? std::string("None") : std::to_string(d));
  return out + ")";
}

bool shape_known(const Shape& s) {
  for (int64_t d : s)
    if (d == kUnknownDim) return false;
  return true;
}

bool shape_fits(const Shape& spec, const Shape& got) {
  if (spec.size() != got.size()) return false;
  for (size_t i = 0; i < spec.size(); ++i)
    if (spec[i] != kUnknownDim && spec[i] != got[i]) return false;
  return true;
}

int64_t shape_numel(const Shape& s) {
  // An empty tensor's other dimensions may be huge (zeros((10**10, 10**10, 0))): 0 first, so the
  // product of the others is never formed (past int64 it would overflow).
  for (int64_t d : s)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// The record allocate_shared makes (TensorImpl after a 16-byte control block in libstdc++) must
// fit a pool block, or every tensor would go back to malloc; the two inline Shapes are most of it.
static_assert(sizeof(TensorImpl) + 2 * sizeof(void*) <= detail::SmallBlockPool::kBlockBytes,
              "TensorImpl outgrew the small-block pool's blocks");

const std::string* intern_path(const std::string& path) {
  static std::mutex mutex;
  static std::unordered_set<std::string> paths;  // node-based: elements never move
  std::lock_guard<std::mutex> lock(mutex);
  return &*paths.insert(path).first;
}

static Shape contiguous_strides(const Shape& shape) {
  Shape st(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = acc;
    // Only an empty tensor (nothing to address) can have dimensions whose product passes int64:
    // its strides saturate there instead of overflowing.
    acc = shape[i] != 0 && acc > INT64_MAX / shape[i] ? INT64_MAX : acc * shape[i];
  }
  return st;
}

static const TensorImpl& checked(const std::shared_ptr<TensorImpl>& p) {
  if (!p) throw std::runtime_error("use of an undefined Tensor");
  return *p;
}

Tensor Tensor::empty(const Shape& shape, Device device) {
  for (int64_t d : shape)
    if (d < 0) throw std::invalid_argument("Tensor: negative dimension in shape " + shape_str(shape));
  // The byte count, checked for overflow: Dense(10**10) on 10**10 inputs must not wrap around.
  size_t nbytes = sizeof(float);
  bool overflow = false;
  for (int64_t d : shape) {
    const size_t n = static_cast<size_t>(d);
    if (n == 0) {  // an empty tensor, however large its other dimensions
      nbytes = 0;
      overflow = false;
      break;
    }
    overflow = overflow || nbytes > std::numeric_limits<size_t>::max() / n;
    if (!overflow) nbytes *= n;
  }
  double wanted = sizeof(float);  // for the message, even past size_t
  for (int64_t d : shape) wanted *= static_cast<double>(d);
  auto impl = std::allocate_shared<TensorImpl>(detail::SmallBlockAllocator<TensorImpl>());
  try {
    if (overflow) throw std::bad_alloc();
    impl->storage = Storage::allocate(nbytes, device);
  } catch (const std::bad_alloc&) {
    throw OutOfMemory("out of memory: a float32 tensor of shape " + shape_str(shape) + " needs " +
                      readable_bytes(wanted) + ", which cannot be allocated on " + device.str());
  }
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, Device device) { return full(shape, 0.f, device); }

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, device);
  NERVE_KERNEL(device, tensor, fill, "full")(t.data(), value, t.numel());
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape, Device device) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw std::invalid_argument("Tensor::from_vector: " + std::to_string(values.size()) + " values do not fill shape " +
                                shape_str(shape));
  return from_host(values.data(), shape, device);
}

Tensor Tensor::from_host(const float* values, const Shape& shape, Device device) {
  Tensor t = empty(shape, device);
  t.copy_from_host(values);
  return t;
}

Tensor Tensor::view_of(std::shared_ptr<Storage> storage, int64_t offset, const Shape& shape, const Shape& strides) {
  auto impl = std::allocate_shared<TensorImpl>(detail::SmallBlockAllocator<TensorImpl>());
  impl->storage = std::move(storage);
  impl->offset = offset;
  impl->shape = shape;
  impl->strides = strides.empty() && !shape.empty() ? contiguous_strides(shape) : strides;
  return Tensor(std::move(impl));
}

const Shape& Tensor::shape() const { return checked(impl_).shape; }
const Shape& Tensor::strides() const { return checked(impl_).strides; }
Device Tensor::device() const { return checked(impl_).storage->device(); }
const std::shared_ptr<Storage>& Tensor::storage() const { return checked(impl_).storage; }
int64_t Tensor::offset() const { return checked(impl_).offset; }
int64_t Tensor::numel() const { return shape_numel(shape()); }

int64_t Tensor::size(int64_t axis) const {
  int64_t d = dim();
  int64_t a = axis < 0 ? axis + d : axis;
  if (a < 0 || a >= d)
    throw std::out_of_range("axis " + std::to_string(axis) + " out of range for shape " + shape_string());
  return shape()[a];
}

bool Tensor::is_contiguous() const {
  const auto& impl = checked(impl_);
  int64_t acc = 1;
  for (size_t i = impl.shape.size(); i-- > 0;) {
    if (impl.shape[i] != 1 && impl.strides[i] != acc) return false;
    acc *= impl.shape[i];
  }
  return true;
}

float* Tensor::data() const {
  const auto& impl = checked(impl_);
  return static_cast<float*>(impl.storage->data()) + impl.offset;
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  copy_to_host(out.data());
  return out;
}

float Tensor::item() const {
  if (numel() != 1)
    throw std::invalid_argument("item(): tensor of shape " + shape_string() + " does not hold exactly one element");
  float v;
  copy_to_host(&v);
  return v;
}

void Tensor::copy_to_host(float* dst) const {
  Tensor c = contiguous();
  backend_for(c.device()).copy_to_host(dst, c.data(), static_cast<size_t>(c.numel()) * sizeof(float));
}

void Tensor::copy_from_host(const float* src) const {
  if (!is_contiguous()) throw std::invalid_argument("copy_from_host: the tensor must be contiguous");
  backend_for(device()).copy_from_host(data(), src, static_cast<size_t>(numel()) * sizeof(float));
}

HostView::HostView(const Tensor& t) : size_(t.numel()) {
  if (backend_for(t.device()).host_accessible) {
    keep_ = t.contiguous();
    data_ = keep_.data();
  } else {
    copy_ = t.to_vector();
    data_ = copy_.data();
  }
}

Tensor Tensor::to(Device target) const {
  if (device() == target) return *this;
  Tensor src = contiguous();
  Tensor out = empty(shape(), target);
  const size_t nbytes = static_cast<size_t>(numel()) * sizeof(float);
  const Backend &from = backend_for(src.device()), &into = backend_for(target);
  if (src.device().type == DeviceType::CPU) {
    into.copy_from_host(out.data(), src.data(), nbytes);
  } else if (target.type == DeviceType::CPU) {
    from.copy_to_host(out.data(), src.data(), nbytes);
  } else {  // between two devices: through host memory (std::vector: not a CPU tensor)
    std::vector<float> host(static_cast<size_t>(numel()));
    from.copy_to_host(host.data(), src.data(), nbytes);
    into.copy_from_host(out.data(), host.data(), nbytes);
  }
  return out;
}

Tensor Tensor::reshape(const Shape& new_shape) const {
  Shape s = new_shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("reshape: more than one -1 in " + shape_str(new_shape));
      infer = static_cast<int64_t>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) s[infer] = known == 0 ? 0 : numel() / known;
  if (shape_numel(s) != numel())
    throw std::invalid_argument("cannot reshape a tensor of shape " + shape_string() + " (" + std::to_string(numel()) +
                                " elements) to " + shape_str(new_shape));
  Tensor src = is_contiguous() ? *this : contiguous();
  Tensor out = view_of(src.storage(), src.offset(), s, contiguous_strides(s));
  if (!requires_grad() || !grad_enabled()) return out;  // nothing to record: no node to build
  // A reshape is differentiable: the gradient is reshaped back.
  struct ReshapeNode : Node {
    Shape in_shape;
    const char* name() const override { return "Reshape"; }
    std::vector<Tensor> backward(const Tensor& g) override { return {g.contiguous().reshape(in_shape)}; }
  };
  auto node = detail::make_pooled<ReshapeNode>();
  node->inputs = {*this};
  node->in_shape = shape();
  return record(out, node);
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  Tensor out = empty(shape(), device());
  NERVE_KERNEL(device(), tensor, strided_copy, "contiguous")(data(), shape().data(), strides().data(), dim(),
                                                             out.data());
  if (requires_grad()) {
    struct CopyNode : Node {
      const char* name() const override { return "Contiguous"; }
      std::vector<Tensor> backward(const Tensor& g) override { return {g}; }
    };
    auto node = detail::make_pooled<CopyNode>();
    node->inputs = {*this};
    return record(out, node);
  }
  return out;
}

Tensor Tensor::clone() const {
  Tensor src = contiguous();
  Tensor out = empty(shape(), device());
  backend_for(device()).copy(out.data(), src.data(), static_cast<size_t>(numel()) * sizeof(float));
  return out;
}

Tensor Tensor::detach() const {
  const auto& impl = checked(impl_);
  return view_of(impl.storage, impl.offset, impl.shape, impl.strides);
}

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }
Tensor& Tensor::set_requires_grad(bool value) {
  checked(impl_);
  if (impl_->grad_fn && !value)
    throw std::invalid_argument("requires_grad can only be cleared on leaf tensors (use detach())");
  impl_->requires_grad = value;
  return *this;
}
Tensor Tensor::grad() const { return checked(impl_).grad; }
void Tensor::set_grad(const Tensor& g) const {
  checked(impl_);
  impl_->grad = g;
}
const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked(impl_).grad_fn; }

void Tensor::backward(const Tensor& gradient) const { run_backward(*this, gradient); }

}  // namespace nerve
