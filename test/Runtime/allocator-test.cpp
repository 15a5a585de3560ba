//===- allocator-test.cpp - the heap of compiled kernels ------------------===//
//
// Calls the allocation functions compiled kernels call
// (finalize-memref-to-llvm{use-generic-functions}) and checks what
// runtime/lib/Allocator.cpp promises: large blocks freed are handed out
// again to a request of about their size, small blocks are not kept, the
// cache stays within CASCADE_ALLOCATOR_CACHE_MB, release empties it, and
// every block is aligned and writable over its whole size. Prints one line
// per failure and a summary; exits 1 on any failure.
//
//===----------------------------------------------------------------------===//

#include "cascade/kernel_abi.h"
#include "cascade/runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static int failures = 0;
#define EXPECT(cond, what)                                                     \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::printf("FAIL: %s\n", what);                                         \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

static void *filled(uint64_t size) {
  void *p = _mlir_memref_to_llvm_alloc(size);
  if (p)
    std::memset(p, 0x5a, size);
  return p;
}

int main(int argc, char **argv) {
  if (argc > 1 && std::string(argv[1]) == "--keep-one") {
    // The limit the caller's environment gives: free one 40 MiB block and
    // report what the cache kept.
    _mlir_memref_to_llvm_free(filled(40 << 20));
    std::printf("cached %zu MiB\n", cascade_cached_memory_bytes() >> 20);
    return 0;
  }
  // Set before the first allocation: the cache reads it once.
  setenv("CASCADE_ALLOCATOR_CACHE_MB", "64", 1);
  const uint64_t mib = 1 << 20;

  void *large = filled(40 * mib);
  EXPECT(large && reinterpret_cast<uintptr_t>(large) % 16 == 0,
         "a large block is 16-byte aligned");
  _mlir_memref_to_llvm_free(large);
  void *again = filled(40 * mib);
  EXPECT(again == large, "a freed large block is handed out again");
  void *other = filled(40 * mib);
  EXPECT(other && other != again, "a block in use is not handed out twice");
  _mlir_memref_to_llvm_free(other);
  _mlir_memref_to_llvm_free(again);

  EXPECT(cascade_cached_memory_bytes() == 40 * mib,
         "the cache keeps no more than its limit (40 + 40 MiB > 64 MiB)");
  void *a = filled(40 * mib), *b = filled(40 * mib);
  EXPECT(a == other, "the kept block is the one freed first");
  EXPECT(cascade_cached_memory_bytes() == 0,
         "the cache hands out what it kept");
  _mlir_memref_to_llvm_free(a);
  _mlir_memref_to_llvm_free(b);

  // A much smaller request does not take a big block (over 1/8 wasted);
  // a slightly smaller one does.
  void *small = filled(4 * mib);
  EXPECT(small != a && small != b, "a 4 MiB request does not take 40 MiB");
  _mlir_memref_to_llvm_free(small);
  EXPECT(cascade_cached_memory_bytes() == 44 * mib, "4 + 40 MiB kept");
  void *near = filled(38 * mib);
  EXPECT(near == a || near == b, "a 38 MiB request reuses a 40 MiB block");
  _mlir_memref_to_llvm_free(near);

  // Small blocks go back to malloc at once (not kept).
  for (int i = 0; i < 1000; ++i) {
    void *tile = filled(64 * 1024);
    size_t before = cascade_cached_memory_bytes();
    EXPECT(tile && reinterpret_cast<uintptr_t>(tile) % 16 == 0,
           "a small block is 16-byte aligned");
    _mlir_memref_to_llvm_free(tile);
    EXPECT(cascade_cached_memory_bytes() == before,
           "small blocks are not kept");
  }

  void *aligned = _mlir_memref_to_llvm_aligned_alloc(256, 3 * mib);
  EXPECT(aligned && reinterpret_cast<uintptr_t>(aligned) % 256 == 0,
         "aligned_alloc honours the alignment");
  std::memset(aligned, 1, 3 * mib);
  _mlir_memref_to_llvm_free(aligned);
  _mlir_memref_to_llvm_free(nullptr);

  // After a release, nothing cached is handed out again.
  void *kept = filled(8 * mib);
  _mlir_memref_to_llvm_free(kept);
  EXPECT(cascade_cached_memory_bytes() > 0, "the 8 MiB block is kept");
  cascade_release_cached_memory();
  EXPECT(cascade_cached_memory_bytes() == 0, "release empties the cache");
  void *fresh = filled(8 * mib);
  EXPECT(fresh, "allocation after a release");
  _mlir_memref_to_llvm_free(fresh);
  cascade_release_cached_memory();

  std::printf("allocator: %d failures\n", failures);
  return failures ? 1 : 0;
}
