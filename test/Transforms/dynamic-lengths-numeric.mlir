// Run-time sequence lengths through the compiler core, on the float64
// reference: each @*_dynamic function is the @*_static one with ? lengths,
// run on the static one's random inputs (fresh seed) after
//   - cascade-decompose + cascade-sparsify: the block classes of every mask
//     come from a cascade.classify_blocks evaluated at run time (the
//     reference checks each lookup of them against the mask), and
//   - the whole cascade-lower-to-tiles pipeline (the run-time lengths stay
//     3-pass einsums with run-time classes; not tiled, with a remark),
// and compared with the static composite. Lengths: 53 queries over 37 keys
// (bottom-right causal: the first 16 rows fully masked, result 0), odd
// sizes, a batch of 2, a 1-query decode.
// RUN: rm -rf %t && mkdir -p %t
// RUN: cascade-opt %s --cascade-decompose --cascade-sparsify="query-block=8 key-block=8" -o %t/sparse.mlir 2> %t/sparse.log
// RUN: FileCheck %s --check-prefix=REMARKS < %t/sparse.log
// REMARKS-DAG: blocks of [8, 8]: classified at run time (run-time extent)
// REMARKS-DAG: blocks of [8, 8]: {{[0-9]+}} empty, {{[0-9]+}} partial, {{[0-9]+}} full
// RUN: FileCheck %s --check-prefix=IR < %t/sparse.mlir
// IR-LABEL: func.func @causal_dynamic
// IR: cascade.classify_blocks #cascade.causal<bottom_right> extent([%{{.*}}, %{{.*}}]) block([8, 8]) : tensor<?x?xi8>
// IR: blocks(%{{.*}} : tensor<?x?xi8>) block([8, 8])
// RUN: cascade-opt %s --cascade-lower-to-tiles -o %t/tiles.mlir 2> %t/tiles.log
// RUN: not grep "error:" %t/tiles.log
//
// RUN: cascade-run %s --entry causal_static --random-inputs %seed --save-inputs %t/c_ --output %t/c.npy
// RUN: cascade-run %t/sparse.mlir --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles.mlir --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry window_static --random-inputs %seed --save-inputs %t/w_ --output %t/w.npy
// RUN: cascade-run %t/sparse.mlir --entry window_dynamic --input 0=%t/w_arg0.npy --input 1=%t/w_arg1.npy --input 2=%t/w_arg2.npy --expect 0=%t/w.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles.mlir --entry window_dynamic --input 0=%t/w_arg0.npy --input 1=%t/w_arg1.npy --input 2=%t/w_arg2.npy --expect 0=%t/w.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry decode_static --random-inputs %seed --save-inputs %t/d_ --output %t/d.npy
// RUN: cascade-run %t/sparse.mlir --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles.mlir --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// CHECK: expect 0: {{.*}}, 0 mismatches

// GQA (4 query heads over 2), bottom-right causal, more queries than keys.
func.func @causal_static(%q: tensor<1x4x53x8xf64>, %k: tensor<1x2x37x8xf64>, %v: tensor<1x2x37x8xf64>) -> tensor<1x4x53x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x53x8xf64>, tensor<1x2x37x8xf64>, tensor<1x2x37x8xf64> -> tensor<1x4x53x8xf64>
  return %o : tensor<1x4x53x8xf64>
}
func.func @causal_dynamic(%q: tensor<1x4x?x8xf64>, %k: tensor<1x2x?x8xf64>, %v: tensor<1x2x?x8xf64>) -> tensor<1x4x?x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x?x8xf64>, tensor<1x2x?x8xf64>, tensor<1x2x?x8xf64> -> tensor<1x4x?x8xf64>
  return %o : tensor<1x4x?x8xf64>
}

// Batch 2, sliding window, softcap and ALiBi, run-time batch too.
func.func @window_static(%q: tensor<2x2x45x16xf64>, %k: tensor<2x2x45x16xf64>, %v: tensor<2x2x45x16xf64>) -> tensor<2x2x45x16xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.sliding_window<left = 6, right = 2>) {softcap = 2.0 : f64, alibi} : tensor<2x2x45x16xf64>, tensor<2x2x45x16xf64>, tensor<2x2x45x16xf64> -> tensor<2x2x45x16xf64>
  return %o : tensor<2x2x45x16xf64>
}
func.func @window_dynamic(%q: tensor<?x2x?x16xf64>, %k: tensor<?x2x?x16xf64>, %v: tensor<?x2x?x16xf64>) -> tensor<?x2x?x16xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.sliding_window<left = 6, right = 2>) {softcap = 2.0 : f64, alibi} : tensor<?x2x?x16xf64>, tensor<?x2x?x16xf64>, tensor<?x2x?x16xf64> -> tensor<?x2x?x16xf64>
  return %o : tensor<?x2x?x16xf64>
}

// Decode: one query over a run-time number of keys.
func.func @decode_static(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x29x8xf64>, %v: tensor<1x4x29x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x29x8xf64>, tensor<1x4x29x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
func.func @decode_dynamic(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x?x8xf64>, %v: tensor<1x4x?x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x?x8xf64>, tensor<1x4x?x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
