# Sourced by build.sh and build_variant.sh: the benchmark programs linked with
# a copy of the runtime compiled from its sources with extra FLAGS (the
# microkernel's build options, CASCADE_MICROKERNEL_STATS), against the
# kernels of bench/out/kernels. Needs $root and $out.

# bench_cpu: every kernel of bench/out/kernels.
link_bench_cpu() { # OUTPUT [FLAGS...]
  g++ -O3 -std=c++17 -fopenmp -Wno-psabi "${@:2}" -I "$out/kernels" \
    -I "$root/runtime/include" "$root/bench/cpu/bench_cpu.cpp" \
    "$out"/kernels/*.o "$root"/runtime/lib/*.cpp \
    /usr/lib/llvm-22/lib/libomp.so.5 -lm -lpthread \
    -static-libstdc++ -static-libgcc -Wl,-rpath,'$ORIGIN' -o "$1"
}

# The dense and causal kernels as a shared library for paired.py and
# side_by_side.py; its runtime counts the microkernel's calls
# (CASCADE_MICROKERNEL_STATS: a clock read per call, ~0.1% of an attention
# step).
link_bench_lib() { # OUTPUT [FLAGS...]
  g++ -O3 -std=c++17 -shared -fPIC -fopenmp -Wno-psabi "${@:2}" \
    -DCASCADE_MICROKERNEL_STATS -I "$out/kernels" -I "$root/runtime/include" \
    "$root/bench/cpu/bench_lib.cpp" "$out"/kernels/attention_dense*.o \
    "$out"/kernels/attention_causal*.o "$root"/runtime/lib/*.cpp \
    /usr/lib/llvm-22/lib/libomp.so.5 -static-libstdc++ -static-libgcc \
    -Wl,-rpath,'$ORIGIN' -o "$1"
}
