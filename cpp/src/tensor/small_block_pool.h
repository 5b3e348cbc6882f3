// A per-thread free list of small fixed-size blocks, and the allocator that takes from it, for
// the objects every tensor op creates and a step frees all at once (TensorImpl records).
//
// Why: a training step of a small network creates a few dozen tensors and frees them together at
// its end. glibc's per-thread cache (tcache) keeps only 7 chunks of a size, and a TensorImpl
// record (~170 bytes) is above the fast bins, so the rest went through the unsorted bin:
// _int_malloc, _int_free and malloc_consolidate were a quarter of the XOR fit (2-16-1, batch 4;
// perf, Intel Xeon). A block freed on another thread joins that thread's list; each list holds at
// most kMaxBlocks blocks (the rest go back to operator delete) and is emptied at thread exit.
#pragma once
#include <cstddef>
#include <memory>
#include <new>

namespace nerve::detail {

class SmallBlockPool {
 public:
  static constexpr size_t kBlockBytes = 256;
  static constexpr int kMaxBlocks = 1024;  // 256 KiB per thread at most

  static void* take() {
    Lists* l = lists();
    if (l && l->head) {
      FreeBlock* b = l->head;
      l->head = b->next;
      --l->count;
      return b;
    }
    return ::operator new(kBlockBytes);
  }
  static void give(void* p) {
    Lists* l = lists();
    if (!l || l->count >= kMaxBlocks) return ::operator delete(p);
    auto* b = static_cast<FreeBlock*>(p);
    b->next = l->head;
    l->head = b;
    ++l->count;
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Lists {
    FreeBlock* head = nullptr;
    int count = 0;
    ~Lists() {
      while (head) {
        FreeBlock* next = head->next;
        ::operator delete(head);
        head = next;
      }
      dead() = true;
    }
  };
  // Trivially destructible: still readable while (and after) the thread's Lists is destroyed.
  static bool& dead() {
    static thread_local bool flag = false;
    return flag;
  }
  static Lists* lists() {
    if (dead()) return nullptr;
    static thread_local Lists l;
    return &l;
  }
};

// std::allocate_shared<T>(SmallBlockAllocator<T>{}, ...): the shared record (control block and
// T) from the pool when it fits in a block, else from operator new.
template <class T>
struct SmallBlockAllocator {
  using value_type = T;
  SmallBlockAllocator() = default;
  template <class U>
  SmallBlockAllocator(const SmallBlockAllocator<U>&) {}
  T* allocate(size_t n) {
    if (n == 1 && sizeof(T) <= SmallBlockPool::kBlockBytes && alignof(T) <= alignof(std::max_align_t))
      return static_cast<T*>(SmallBlockPool::take());
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (n == 1 && sizeof(T) <= SmallBlockPool::kBlockBytes && alignof(T) <= alignof(std::max_align_t))
      SmallBlockPool::give(p);
    else
      ::operator delete(p);
  }
  template <class U>
  bool operator==(const SmallBlockAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const SmallBlockAllocator<U>&) const {
    return false;
  }
};

}  // namespace nerve::detail

namespace nerve::detail {

// std::make_shared<T>() from the pool: autograd nodes, created and freed with their step's tensors.
template <class T>
std::shared_ptr<T> make_pooled() {
  return std::allocate_shared<T>(SmallBlockAllocator<T>());
}

}  // namespace nerve::detail
