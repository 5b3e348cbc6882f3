// Shape (nerve/shape.h): dimensions kept inside the object up to kInlineDims, on the heap beyond.
// Checks both storages, copies and moves of each, growth and shrinking across the boundary, the
// std::vector-like edits (insert, erase, resize) on both sides of it, and comparison and
// conversion with std::vector<int64_t>.
#include <cstdint>
#include <utility>
#include <vector>

#include "check.h"
#include "nerve/shape.h"

using nerve::Shape;

static constexpr size_t kInline = Shape::kInlineDims;

// The first n numbers 10, 11, ...: distinct values, so a misplaced element shows.
static std::vector<int64_t> iota(size_t n) {
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = int64_t(10 + i);
  return v;
}

static void construction() {
  Shape empty;
  CHECK(empty.empty() && empty.size() == 0 && empty.is_inline() && empty.begin() == empty.end());

  Shape list{2, 3, 4};
  CHECK(list.size() == 3 && list[0] == 2 && list[1] == 3 && list[2] == 4);
  CHECK(list.front() == 2 && list.back() == 4 && list.is_inline());

  Shape two_threes(2, 3);  // as std::vector: two dimensions of 3, not the range [2, 3)
  CHECK((two_threes == Shape{3, 3}));
  Shape zeros(4);
  CHECK((zeros == Shape{0, 0, 0, 0}));

  std::vector<int64_t> v = iota(9);
  Shape from_range(v.begin() + 1, v.end());
  CHECK(from_range.size() == 8 && !from_range.is_inline() && from_range[0] == 11 && from_range.back() == 18);
  Shape from_vector = v;
  CHECK(from_vector == v && from_vector.size() == 9);
  int dims[3] = {5, 6, 7};  // iterators of another integer type convert element by element
  CHECK((Shape(dims, dims + 3) == Shape{5, 6, 7}));

  CHECK_THROWS(std::out_of_range, list.at(3));
  CHECK(list.at(2) == 4);
}

static void inline_and_heap_storage() {
  Shape at_limit(iota(kInline));
  CHECK(at_limit.is_inline() && at_limit.size() == kInline);
  // data() points into the object itself while inline.
  auto* self = reinterpret_cast<const char*>(&at_limit);
  auto* data = reinterpret_cast<const char*>(at_limit.data());
  CHECK(data >= self && data < self + sizeof(Shape));

  Shape past_limit(iota(kInline + 1));
  CHECK(!past_limit.is_inline() && past_limit.size() == kInline + 1);
  CHECK(past_limit == iota(kInline + 1));
}

static void copies() {
  for (size_t n : {size_t(0), size_t(3), kInline, kInline + 1, size_t(40)}) {
    const std::vector<int64_t> v = iota(n);
    Shape a(v);
    Shape b(a);  // copy construction
    CHECK(b == v && b.is_inline() == (n <= kInline));
    if (n) {
      b[0] = -1;  // a copy owns its dimensions
      CHECK(a[0] == 10 && b[0] == -1);
      CHECK(a.data() != b.data());
    }
    // Copy assignment onto an inline and onto a heap shape, each way across the boundary.
    Shape small{1, 2};
    Shape big(iota(20));
    small = a;
    big = a;
    CHECK(small == v && big == v);
    Shape& same = a;
    a = same;  // self-assignment leaves it intact
    CHECK(a == v);
  }
}

static void moves() {
  // Inline: the dimensions are copied across and the source is left empty and inline.
  Shape a{4, 5, 6};
  Shape b(std::move(a));
  CHECK((b == Shape{4, 5, 6}) && b.is_inline());
  CHECK(a.empty() && a.is_inline());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  a.push_back(1);                     // a moved-from Shape is usable
  CHECK((a == Shape{1}));

  // Heap: the buffer itself moves, no copy.
  Shape h(iota(12));
  const int64_t* buffer = h.data();
  Shape m(std::move(h));
  CHECK(m.data() == buffer && m == iota(12));
  CHECK(h.empty() && h.is_inline());  // NOLINT(bugprone-use-after-move)

  // Move assignment in all four directions; the target's old heap buffer is freed (ASan would say).
  Shape t_heap(iota(9));
  Shape s_inline{7, 8};
  t_heap = std::move(s_inline);
  CHECK((t_heap == Shape{7, 8}) && t_heap.is_inline());
  Shape t_inline{1};
  Shape s_heap(iota(15));
  buffer = s_heap.data();
  t_inline = std::move(s_heap);
  CHECK(t_inline.data() == buffer && t_inline == iota(15));
  Shape& alias = t_inline;
  t_inline = std::move(alias);  // self-move keeps the value
  CHECK(t_inline == iota(15));

  // A vector of Shapes reallocating moves them (the inline ones must re-point at their new home).
  std::vector<Shape> many;
  for (size_t i = 0; i < 50; ++i) many.push_back(Shape(iota(i % 10)));
  for (size_t i = 0; i < 50; ++i) CHECK(many[i] == iota(i % 10));

  Shape x{1, 2}, y(iota(8));
  swap(x, y);
  CHECK(x == iota(8) && (y == Shape{1, 2}));
}

static void growth_across_the_boundary() {
  Shape s;
  std::vector<int64_t> expect;
  for (int64_t i = 0; i < 30; ++i) {
    s.push_back(i * 3);
    expect.push_back(i * 3);
    CHECK(s == expect);
    CHECK(s.is_inline() == (s.size() <= kInline));
  }
  while (!s.empty()) {  // shrinking keeps the heap buffer and the values
    s.pop_back();
    expect.pop_back();
    CHECK(s == expect);
  }
  s.resize(kInline - 1, 9);
  CHECK(s.size() == kInline - 1 && s.back() == 9);
  s.resize(kInline + 3);  // new dimensions are zero, as std::vector's
  CHECK(s.size() == kInline + 3 && s[kInline - 2] == 9 && s.back() == 0);
  s.resize(2);
  CHECK((s == Shape{9, 9}));
  s.reserve(100);
  CHECK(s.capacity() >= 100 && (s == Shape{9, 9}));
  s.clear();
  CHECK(s.empty());
  s.assign(3, 4);
  CHECK((s == Shape{4, 4, 4}));
}

static void insert_and_erase() {
  // Keras-style edits: add a batch axis, drop one, splice dims; on each side of the boundary.
  Shape s{28, 28, 1};
  s.insert(s.begin(), 64);
  CHECK((s == Shape{64, 28, 28, 1}));
  s.erase(s.begin());
  CHECK((s == Shape{28, 28, 1}));
  std::vector<int64_t> extra{5, 6, 7, 8};
  auto it = s.insert(s.begin() + 1, extra.begin(), extra.end());  // crosses into the heap
  CHECK(it == s.begin() + 1 && !s.is_inline());
  CHECK((s == Shape{28, 5, 6, 7, 8, 28, 1}));
  s.erase(s.begin() + 1, s.begin() + 4);
  CHECK((s == Shape{28, 8, 28, 1}));
  s.insert(s.end(), s.begin(), s.end());  // a range from the same Shape
  CHECK((s == Shape{28, 8, 28, 1, 28, 8, 28, 1}));
  s.insert(s.begin() + 2, size_t(2), int64_t(0));
  CHECK((s == Shape{28, 8, 0, 0, 28, 1, 28, 8, 28, 1}));
  s.erase(s.begin() + 1, s.end());
  CHECK((s == Shape{28}));
}

static void comparisons_and_conversion() {
  Shape a{2, 3};
  std::vector<int64_t> v{2, 3};
  CHECK(a == v && v == a && !(a != v) && !(v != a));
  CHECK(a != std::vector<int64_t>{2} && (a != Shape{2, 3, 1}));
  CHECK((Shape{1, 9} < Shape{2}) && !(Shape{2} < Shape{2}) && (Shape{2} < Shape{2, 0}));
  std::vector<int64_t> back = a;  // implicit, as the old alias allowed
  CHECK(back == v && a.to_vector() == v);
  Shape big(iota(10));
  CHECK(big.to_vector() == iota(10));
  int64_t sum = 0;
  for (int64_t d : big) sum += d;
  CHECK(sum == 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19);
  CHECK(*big.rbegin() == 19);
}

int main() {
  construction();
  inline_and_heap_storage();
  copies();
  moves();
  growth_across_the_boundary();
  insert_and_erase();
  comparisons_and_conversion();
  return nerve_test::test_exit_code("test_shape");
}
