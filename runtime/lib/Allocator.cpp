//===- Allocator.cpp - the heap of compiled kernels -----------------------===//
//
// Compiled kernels allocate their intermediates through
// `_mlir_memref_to_llvm_alloc` / `_mlir_memref_to_llvm_free`
// (finalize-memref-to-llvm{use-generic-functions}). Blocks of at least
// kLargeBlock bytes are kept after they are freed and handed out again to a
// request of about the same size: a MoE layer's intermediates are hundreds
// of MB, which malloc maps afresh on every call (glibc maps blocks above
// 32 MiB and unmaps them on free), so every call page-faulted all of them
// in again. Small blocks (attention tiles, inside work items) go straight
// to malloc, without a lock. The cache holds at most
// CASCADE_ALLOCATOR_CACHE_MB (default 1024; a value that is not a whole
// number of MiB is reported on stderr and the default used) MiB;
// cascade_release_cached_memory() returns it to the system.
//
//===----------------------------------------------------------------------===//

#include "cascade/kernel_abi.h"
#include "cascade/runtime.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace {

constexpr size_t kLargeBlock = size_t{1} << 20;

/// In front of every block handed out: what free needs to know.
struct alignas(16) Header {
  size_t capacity; // bytes usable after the header
  void *base;      // what malloc returned
  bool cacheable;
};

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, Header *> free; // by capacity
  size_t cachedBytes = 0;
  size_t limitBytes;

  Cache() { limitBytes = limitFromEnvironment() << 20; }

  /// MiB from CASCADE_ALLOCATOR_CACHE_MB: a whole number from 0 (no cache)
  /// to 2^20; anything else is reported once and the default used.
  static size_t limitFromEnvironment() {
    constexpr size_t defaultMiB = 1024, maxMiB = size_t{1} << 20;
    const char *env = std::getenv("CASCADE_ALLOCATOR_CACHE_MB");
    if (!env)
      return defaultMiB;
    char *end = nullptr;
    errno = 0;
    unsigned long long mib = std::strtoull(env, &end, 10);
    bool valid = *env >= '0' && *env <= '9' && end && *end == '\0' &&
                 errno == 0 && mib <= maxMiB;
    if (valid)
      return mib;
    std::fprintf(stderr,
                 "cascade: ignoring CASCADE_ALLOCATOR_CACHE_MB='%s' (not a "
                 "whole number of MiB from 0 to %zu); using %zu\n",
                 env, maxMiB, defaultMiB);
    return defaultMiB;
  }
  ~Cache() { release(); }

  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto &[capacity, header] : free)
      std::free(header->base);
    free.clear();
    cachedBytes = 0;
  }
};

Cache &cache() {
  static Cache instance;
  return instance;
}

void *payload(Header *h) { return h + 1; }
Header *headerOf(void *p) { return static_cast<Header *>(p) - 1; }

Header *newBlock(size_t capacity, bool cacheable) {
  void *base = std::malloc(sizeof(Header) + capacity);
  if (!base)
    return nullptr;
  auto *h = static_cast<Header *>(base);
  *h = Header{capacity, base, cacheable};
  return h;
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  if (size < kLargeBlock) {
    Header *h = newBlock(size, false);
    return h ? payload(h) : nullptr;
  }
  Cache &c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    // The smallest cached block that fits, unless it wastes over 1/8.
    auto it = c.free.lower_bound(size);
    if (it != c.free.end() && it->first <= size + size / 8) {
      Header *h = it->second;
      c.cachedBytes -= it->first;
      c.free.erase(it);
      return payload(h);
    }
  }
  Header *h = newBlock(size, true);
  return h ? payload(h) : nullptr;
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                    uint64_t size) {
  // Not cached: over-allocate and record where the block starts.
  if (alignment < alignof(Header))
    alignment = alignof(Header);
  void *base = std::malloc(sizeof(Header) + size + alignment);
  if (!base)
    return nullptr;
  auto start = reinterpret_cast<uintptr_t>(base) + sizeof(Header);
  start = (start + alignment - 1) / alignment * alignment;
  Header *h = headerOf(reinterpret_cast<void *>(start));
  *h = Header{size, base, false};
  return reinterpret_cast<void *>(start);
}

extern "C" void _mlir_memref_to_llvm_free(void *p) {
  if (!p)
    return;
  Header *h = headerOf(p);
  if (h->cacheable) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cachedBytes + h->capacity <= c.limitBytes) {
      c.cachedBytes += h->capacity;
      c.free.emplace(h->capacity, h);
      return;
    }
  }
  std::free(h->base);
}

extern "C" void cascade_release_cached_memory(void) { cache().release(); }

extern "C" size_t cascade_cached_memory_bytes(void) {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.cachedBytes;
}
