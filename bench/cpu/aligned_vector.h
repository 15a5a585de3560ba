// Storage of the benchmark harnesses' operands, 64-byte aligned as the
// kernels' own are (the runtime allocates with alignment 64, PyTorch's
// tensors are 64-byte aligned). A std::vector's storage is only 16-byte
// aligned, so a harness on it reads every 64-byte row of a packed panel,
// and of a matrix with rows of a multiple of 16 floats, across two cache
// lines: rates the kernels never see.
#ifndef CASCADE_BENCH_ALIGNED_VECTOR_H
#define CASCADE_BENCH_ALIGNED_VECTOR_H

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace bench {

template <typename T> struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U> CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(std::size_t n) {
    std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!p)
      throw std::bad_alloc();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, std::size_t) { std::free(p); }
  template <typename U> bool operator==(const CacheLineAllocator<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const CacheLineAllocator<U> &) const {
    return false;
  }
};

template <typename T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

} // namespace bench

#endif // CASCADE_BENCH_ALIGNED_VECTOR_H
