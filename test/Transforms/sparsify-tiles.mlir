// RUN: cascade-opt %s --cascade-sparsify | FileCheck %s
// A tile einsum (mask_origin) lies inside a program that already chose its
// blocks: sparsify leaves it alone, so the pipelines can run again on their
// own output.

// CHECK-LABEL: func.func @tile
// CHECK: cascade.einsum "pm->pm"
// CHECK-SAME: mask_origin
// CHECK-NOT: blocks(
func.func @tile(%s: tensor<4x8xf32>, %q0: index, %k0: index) -> tensor<4x8xf32> {
  %r = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>)
      mask(#cascade.causal on "p", "m") mask_extent([16, 16])
      mask_origin(%q0, %k0) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
