// RUN: cascade-opt %s --cascade-lower-to-tiles="block-size=16 query-block=16" 2>/dev/null | FileCheck %s
// RUN: cascade-opt %s --cascade-lower-to-tiles="block-size=16 query-block=16" -o %t.mlir 2>/dev/null
// RUN: FileCheck %s --check-prefix=NOITER --input-file=%t.mlir
// f32 results: the two sides round different float64 sums to f32.
// RUN: %compare-reference %s %t.mlir %seed 1e-6 1e-5 causal window_decode
// Without block classes the row tile comes from the target description.
// RUN: cascade-opt %s --cascade-decompose --cascade-online-softmax=block-size=16 --cascade-form-tile-programs=target-desc=%S/Inputs/h100.target | FileCheck %s --check-prefix=TARGET
// RUN: not cascade-opt %s --cascade-form-tile-programs=target-desc=%S/Inputs/bad.target 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not cascade-opt %s --cascade-form-tile-programs=target-desc=%S/Inputs/missing.target 2>&1 | FileCheck %s --check-prefix=MISSING
// Split-KV: the scans are a grid rank too (more work items for decode).
// RUN: cascade-opt %s --cascade-lower-to-tiles="block-size=16 splits=2 query-block=16" 2>/dev/null | FileCheck %s --check-prefix=SPLIT
// RUN: cascade-opt %s --cascade-lower-to-tiles="block-size=16 splits=2 query-block=16" -o %t.split.mlir 2>/dev/null
// RUN: %compare-reference %s %t.split.mlir %seed 1e-6 1e-5 causal window_decode

// Causal attention over 64 queries and 64 keys in 16 x 16 blocks: ONE program
// with a work item per (head, query block), an scf.for over the 4 key
// blocks carrying the running max, sum and numerator, the empty blocks
// skipped (K and V are loaded only in the else branch), the full blocks
// computed without the mask, and the partial ones with the mask at the
// tile's origin.
// CHECK-LABEL: func @causal
// CHECK-COUNT-1: tile.program
// CHECK-SAME: grid([1, 2, 4])
// CHECK: ^bb0(%[[B:.*]]: index, %[[H:.*]]: index, %[[QB:.*]]: index,
// CHECK: %[[P0:.*]] = arith.muli %[[QB]], %c16
// CHECK: %[[Q:.*]] = tile.load %{{.*}}[%[[B]], %[[H]], %[[P0]], %c0] : memref<1x2x64x32xf32> -> tensor<1x1x16x32xf32>
// CHECK: scf.for %[[N:.*]] = %c0 to %c4 step %c1 iter_args(
// CHECK: %[[CLS:.*]] = memref.load %{{.*}}[%[[QB]], %[[N]]] : memref<4x4xi8>
// CHECK: %[[EMPTY:.*]] = arith.cmpi eq, %[[CLS]], %c0_i8
// CHECK: scf.if %[[EMPTY]]
// CHECK-NEXT: scf.yield %{{.*}}, %{{.*}}, %{{.*}}
// CHECK: } else {
// CHECK: tile.load %{{.*}}[%[[B]], %[[H]], %[[N]], %c0, %c0] : memref<1x2x4x16x32xf32> -> tensor<1x1x1x16x32xf32>
// CHECK: cascade.einsum "bhpd,bhnmd->bhpnm" {{.*}} -> tensor<1x1x16x1x16xf32>
// CHECK: %[[FULL:.*]] = arith.cmpi eq, %[[CLS]], %c2_i8
// CHECK: scf.if %[[FULL]]
// CHECK-NOT: mask(
// CHECK: } else {
// CHECK: %[[K0:.*]] = arith.muli %[[N]], %c16
// CHECK: mask(#cascade.causal on "p", "nm") mask_extent([64, 64]) mask_origin(%[[P0]], %[[K0]])
// CHECK: arith.maximumf
// CHECK: tensor.collapse_shape
// CHECK: scf.yield
// CHECK: tile.store
// NOITER-NOT: iterate(
// NOITER-NOT: cascade.einsum {{.*}} blocks(
// CHECK-LABEL: func @window_decode

// TARGET-LABEL: func @causal
// TARGET: tile.program grid([1, 2, 1])
// TARGET: tile.load {{.*}} -> tensor<1x1x64x32xf32>
// BAD: error: expected ','
// MISSING: error: cannot read --target-desc file
// SPLIT-LABEL: func @window_decode
// SPLIT: tile.program grid([1, 1, 4, 1, 2])
// SPLIT: scf.for
func.func @causal(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal)
      : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x2x64x32xf32>
  return %o : tensor<1x2x64x32xf32>
}

// Decode: 3 queries, 100 keys (padded to 112), sliding window, with LSE.
func.func @window_decode(%q: tensor<1x4x3x80xf32>, %k: tensor<1x1x100x80xf32>, %v: tensor<1x1x100x80xf32>) -> (tensor<1x4x3x80xf32>, tensor<1x4x3xf32>) {
  %o, %lse = cascade.attention %q, %k, %v mask(#cascade.sliding_window<left = 20, right = 0>)
      : tensor<1x4x3x80xf32>, tensor<1x1x100x80xf32>, tensor<1x1x100x80xf32> -> tensor<1x4x3x80xf32>, tensor<1x4x3xf32>
  return %o, %lse : tensor<1x4x3x80xf32>, tensor<1x4x3xf32>
}
