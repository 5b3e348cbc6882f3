// Shape: a tensor's dimensions (or strides), with room for kInlineDims of them inside the object.
// Every tensor holds two (shape and strides); as std::vector each cost a malloc and a free, about a
// fifth of a small-batch training step (XOR 2-16-1, perf). Up to kInlineDims dimensions live in
// the object; longer shapes spill to the heap. The interface is the part of std::vector<int64_t>
// the code uses, so call sites read the same; it converts to and from std::vector<int64_t>.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace nerve {

class Shape {
 public:
  using value_type = int64_t;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = int64_t&;
  using const_reference = const int64_t&;
  using pointer = int64_t*;
  using const_pointer = const int64_t*;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  // Six covers every tensor the layers make (Conv3D's NDHWC is five) and keeps a Shape at 64 bytes.
  static constexpr size_t kInlineDims = 6;

  Shape() noexcept = default;
  explicit Shape(size_t n) { resize(n); }
  Shape(size_t n, int64_t value) { assign(n, value); }
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.end()); }
  // Iterators of any integer range (as std::vector's constructor; the enable_if keeps Shape(2, 3)
  // meaning two dimensions of 3).
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  Shape(It first, It last) {
    assign(first, last);
  }
  Shape(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: implicit, as the alias was

  Shape(const Shape& o) { assign(o.begin(), o.end()); }
  Shape(Shape&& o) noexcept { take(o); }
  Shape& operator=(const Shape& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  Shape& operator=(Shape&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  Shape& operator=(std::initializer_list<int64_t> dims) {
    assign(dims.begin(), dims.end());
    return *this;
  }
  ~Shape() { release(); }

  // A std::vector copy, for the few interfaces that keep one (numpy shapes, serialisation).
  std::vector<int64_t> to_vector() const { return std::vector<int64_t>(begin(), end()); }
  operator std::vector<int64_t>() const { return to_vector(); }  // NOLINT: implicit, as the alias was

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  size_t capacity() const noexcept { return capacity_; }
  bool is_inline() const noexcept { return data_ == inline_; }

  int64_t* data() noexcept { return data_; }
  const int64_t* data() const noexcept { return data_; }
  int64_t& operator[](size_t i) noexcept { return data_[i]; }
  const int64_t& operator[](size_t i) const noexcept { return data_[i]; }
  int64_t& at(size_t i) {
    if (i >= size_) throw std::out_of_range("Shape::at");
    return data_[i];
  }
  const int64_t& at(size_t i) const {
    if (i >= size_) throw std::out_of_range("Shape::at");
    return data_[i];
  }
  int64_t& front() noexcept { return data_[0]; }
  const int64_t& front() const noexcept { return data_[0]; }
  int64_t& back() noexcept { return data_[size_ - 1]; }
  const int64_t& back() const noexcept { return data_[size_ - 1]; }

  iterator begin() noexcept { return data_; }
  iterator end() noexcept { return data_ + size_; }
  const_iterator begin() const noexcept { return data_; }
  const_iterator end() const noexcept { return data_ + size_; }
  const_iterator cbegin() const noexcept { return data_; }
  const_iterator cend() const noexcept { return data_ + size_; }
  reverse_iterator rbegin() noexcept { return reverse_iterator(end()); }
  reverse_iterator rend() noexcept { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const noexcept { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const noexcept { return const_reverse_iterator(begin()); }

  void reserve(size_t n) {
    if (n > capacity_) grow_to(n);
  }
  void clear() noexcept { size_ = 0; }
  void resize(size_t n) { resize(n, 0); }
  void resize(size_t n, int64_t value) {
    reserve(n);
    for (size_t i = size_; i < n; ++i) data_[i] = value;
    size_ = static_cast<uint32_t>(n);
  }
  void assign(size_t n, int64_t value) {
    clear();
    resize(n, value);
  }
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  void assign(It first, It last) {
    clear();
    if constexpr (std::is_base_of_v<std::forward_iterator_tag, typename std::iterator_traits<It>::iterator_category>) {
      reserve(static_cast<size_t>(std::distance(first, last)));
    }
    for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
  }
  void assign(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.end()); }

  void push_back(int64_t v) {
    if (size_ == capacity_) grow_to(size_t(capacity_) * 2);
    data_[size_++] = v;
  }
  int64_t& emplace_back(int64_t v) {
    push_back(v);
    return back();
  }
  void pop_back() noexcept { --size_; }

  iterator insert(const_iterator pos, int64_t v) { return insert(pos, size_t(1), v); }
  iterator insert(const_iterator pos, size_t n, int64_t v) {
    size_t at = open_gap(pos, n);
    std::fill(data_ + at, data_ + at + n, v);
    return data_ + at;
  }
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  iterator insert(const_iterator pos, It first, It last) {
    // Copied first: the range may lie inside this Shape, which open_gap moves.
    Shape items(first, last);
    size_t at = open_gap(pos, items.size());
    std::copy(items.begin(), items.end(), data_ + at);
    return data_ + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<int64_t> dims) {
    return insert(pos, dims.begin(), dims.end());
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    size_t a = static_cast<size_t>(first - data_), b = static_cast<size_t>(last - data_);
    std::copy(data_ + b, data_ + size_, data_ + a);
    size_ -= static_cast<uint32_t>(b - a);
    return data_ + a;
  }

  void swap(Shape& o) noexcept {
    Shape t(std::move(o));
    o = std::move(*this);
    *this = std::move(t);
  }

 private:
  // Moves `o`'s dimensions here (this holds nothing) and leaves `o` empty and inline.
  void take(Shape& o) noexcept {
    if (o.is_inline()) {
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(int64_t));
      data_ = inline_;
      capacity_ = kInlineDims;
    } else {
      data_ = o.data_;
      capacity_ = o.capacity_;
      o.data_ = o.inline_;
      o.capacity_ = kInlineDims;
    }
    size_ = o.size_;
    o.size_ = 0;
  }
  void release() noexcept {
    if (!is_inline()) delete[] data_;
    data_ = inline_;
    capacity_ = kInlineDims;
    size_ = 0;
  }
  void grow_to(size_t n) {
    n = std::max(n, size_t(kInlineDims) * 2);
    int64_t* p = new int64_t[n];
    std::copy(data_, data_ + size_, p);
    if (!is_inline()) delete[] data_;
    data_ = p;
    capacity_ = static_cast<uint32_t>(n);
  }
  // Makes room for n dimensions at pos; returns pos's index.
  size_t open_gap(const_iterator pos, size_t n) {
    size_t at = static_cast<size_t>(pos - data_);
    reserve(size_ + n);
    std::copy_backward(data_ + at, data_ + size_, data_ + size_ + n);
    size_ += static_cast<uint32_t>(n);
    return at;
  }

  int64_t* data_ = inline_;
  uint32_t size_ = 0;
  uint32_t capacity_ = kInlineDims;
  int64_t inline_[kInlineDims];
};

inline bool operator==(const Shape& a, const Shape& b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
inline bool operator!=(const Shape& a, const Shape& b) noexcept { return !(a == b); }
inline bool operator<(const Shape& a, const Shape& b) noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}
inline bool operator==(const Shape& a, const std::vector<int64_t>& b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}
inline bool operator==(const std::vector<int64_t>& a, const Shape& b) noexcept { return b == a; }
inline bool operator!=(const Shape& a, const std::vector<int64_t>& b) noexcept { return !(a == b); }
inline bool operator!=(const std::vector<int64_t>& a, const Shape& b) noexcept { return !(b == a); }
inline void swap(Shape& a, Shape& b) noexcept { a.swap(b); }

}  // namespace nerve
