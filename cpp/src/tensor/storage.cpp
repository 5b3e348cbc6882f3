#include "nerve/tensor.h"

namespace nerve {

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  std::shared_ptr<Storage> s(new Storage());
  Allocator& alloc = allocator_for(device);
  s->data_ = alloc.allocate(nbytes);
  detail::count_allocation(device.type);
  s->nbytes_ = nbytes;
  s->device_ = device;
  void* data = s->data_;
  s->release_ = [&alloc, data] { alloc.deallocate(data); };
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, Device device, std::function<void()> release) {
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->release_ = std::move(release);
  return s;
}

Storage::~Storage() {
  if (release_) release_();
}

}  // namespace nerve
