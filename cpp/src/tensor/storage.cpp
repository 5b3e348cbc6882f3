#include <new>

#include "nerve/tensor.h"
#include "small_block_pool.h"

namespace nerve {

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  // The record and its shared_ptr control block from the per-thread pool (small_block_pool.h):
  // every tensor an op creates takes one, and a step frees them all at once.
  static_assert(sizeof(Storage) <= detail::SmallBlockPool::kBlockBytes, "a Storage fits a pool block");
  void* block = detail::SmallBlockPool::take();
  std::shared_ptr<Storage> s(
      new (block) Storage(),
      [](Storage* p) {
        p->~Storage();
        detail::SmallBlockPool::give(p);
      },
      detail::SmallBlockAllocator<Storage>());
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
