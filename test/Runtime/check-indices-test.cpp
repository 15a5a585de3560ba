//===- check-indices-test.cpp - the runtime's index check -----------------===//
//
// cascade_rt_check_i64 as compiled code calls it: a bad entry is reported
// once (the first, in the reference's words) and the copy the kernel's work
// items go on with has every entry inside the range (and nondecreasing when
// asked), so that nothing downstream indexes out of bounds before the
// launch returns the error. Prints one line per check; exits 1 on failure.
//
//===----------------------------------------------------------------------===//

#include "cascade/kernel_abi.h"
#include "cascade/runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

using cascade::abi::Memref1D;

namespace {
template <typename T> Memref1D<T> view(std::vector<T> &v) {
  return {v.data(), v.data(), 0, static_cast<int64_t>(v.size()), 1};
}
} // namespace

namespace {
int failures = 0;

void check(const char *name, std::vector<int64_t> in, int64_t lower,
           int64_t upper, int64_t allow, int64_t flags,
           std::vector<int64_t> want, const char *message) {
  std::vector<int64_t> out(in.size(), -99);
  std::vector<char> what(name, name + std::strlen(name));
  Memref1D<int64_t> i = view(in), o = view(out);
  Memref1D<char> w = view(what);
  _mlir_ciface_cascade_rt_check_i64(&i, &o, lower, upper, allow, flags, &w);
  char got[1024] = "";
  int reported = cascade_rt_take_error(got, sizeof got);
  bool ok = out == want &&
            (message ? reported && !std::strcmp(got, message) : !reported);
  std::printf("%s %s:", ok ? "ok" : "FAIL", name);
  for (int64_t v : out)
    std::printf(" %lld", static_cast<long long>(v));
  std::printf(" | %s\n", reported ? got : "no error");
  failures += !ok;
}
} // namespace

int main() {
  check("in range", {0, 2, 1}, 0, 3, 0, 0, {0, 2, 1}, nullptr);
  check("offsets", {0, 5, 2}, 0, 3, 0, 2, {0, 2, 2},
        "offsets: entry 1 is 5, out of range [0, 3)");
  check("decreasing", {0, 2, 1, 3}, 0, 4, 0, 2, {0, 2, 2, 3},
        "decreasing: entry 2 is 1, smaller than the entry before it (2)");
  check("blocks", {-1, 3, -7, 1}, 0, 2, -1, 1, {-1, 1, 0, 1},
        "blocks: entry 1 is 3, out of range [0, 2) (-1 allowed)");
  std::printf("check_indices: %d failures\n", failures);
  return failures ? 1 : 0;
}
