// A sampling profiler for machines without `perf` (the loaned benchmark
// host has none, and perf_event_paranoid 2): SIGPROF at each tick of the
// process's CPU time (ITIMER_PROF), the interrupted instruction's address
// recorded, and at the end one line per sample, "exe OFFSET" for the benchmark
// binary (relative to its load address) or "LIBRARY SYMBOL" for a shared
// library (dladdr). profile_report.py symbolizes the offsets against the same
// binary on the build machine and prints a flat profile.
//   CASCADE_BENCH_PROFILE=FILE ./bench_cpu ...
#ifndef CASCADE_BENCH_SAMPLING_PROFILER_H
#define CASCADE_BENCH_SAMPLING_PROFILER_H

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <link.h>
#include <sys/time.h>
#include <ucontext.h>

namespace bench {

class SamplingProfiler {
public:
  static SamplingProfiler &get() {
    static SamplingProfiler p;
    return p;
  }
  /// Starts sampling when CASCADE_BENCH_PROFILE names an output file.
  void startFromEnvironment() {
    path = std::getenv("CASCADE_BENCH_PROFILE");
    if (!path || !*path)
      return;
    struct sigaction sa = {};
    sa.sa_sigaction = &SamplingProfiler::onSignal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPROF, &sa, nullptr);
    itimerval timer = {{0, 250}, {0, 250}};
    setitimer(ITIMER_PROF, &timer, nullptr);
  }
  ~SamplingProfiler() { finish(); }
  void finish() {
    if (!path || !*path)
      return;
    itimerval off = {};
    setitimer(ITIMER_PROF, &off, nullptr);
    signal(SIGPROF, SIG_IGN);
    uintptr_t base = 0;
    dl_iterate_phdr(
        [](dl_phdr_info *info, size_t, void *out) {
          *static_cast<uintptr_t *>(out) = info->dlpi_addr;
          return 1; // the first object is the executable
        },
        &base);
    FILE *f = std::fopen(path, "w");
    if (!f)
      return;
    size_t n = count.load() < kMax ? count.load() : kMax;
    for (size_t i = 0; i < n; ++i) {
      Dl_info info;
      if (dladdr(reinterpret_cast<void *>(pcs[i]), &info) && info.dli_fname &&
          info.dli_fbase != reinterpret_cast<void *>(base)) {
        std::fprintf(f, "%s %s\n", info.dli_fname,
                     info.dli_sname ? info.dli_sname : "?");
        continue;
      }
      std::fprintf(f, "exe %#lx\n", static_cast<unsigned long>(pcs[i] - base));
    }
    std::fclose(f);
    path = nullptr;
  }

private:
  static constexpr size_t kMax = size_t(1) << 22;
  static void onSignal(int, siginfo_t *, void *context) {
    auto *uc = static_cast<ucontext_t *>(context);
    SamplingProfiler &p = get();
    size_t i = p.count.fetch_add(1, std::memory_order_relaxed);
    if (i < kMax)
      p.pcs[i] = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  }
  const char *path = nullptr;
  std::atomic<size_t> count{0};
  uintptr_t *pcs = new uintptr_t[kMax];
};

} // namespace bench

#endif // CASCADE_BENCH_SAMPLING_PROFILER_H
