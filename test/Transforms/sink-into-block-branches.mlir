// RUN: cascade-opt %s --cascade-sink-into-block-branches --split-input-file | FileCheck %s
// (Small shapes: the fuzzers' seed corpus is made of these files, and
// cascade-fuzz-ir interprets whatever is small enough.)

// A masked step: the product read by both branches (full: scale; partial:
// scale and mask) and the block max of what they yield. Both move into the
// branches, the max as a new result of the scf.if; the full branch is then
// product, scale and max in a row, as in a dense step.
// CHECK-LABEL: func.func @masked_step
// CHECK-NOT: cascade.einsum
// CHECK: %[[IF:.*]]:2 = scf.if %{{.*}} -> (tensor<8x16xf32>, tensor<16xf32>) {
// CHECK-NEXT: %[[P1:.*]] = cascade.einsum "md,pd->mp" {{.*}} map(mul) reduce(add)
// CHECK-NEXT: %[[S1:.*]] = cascade.einsum "mp->mp" ins(%[[P1]] : tensor<8x16xf32>) {
// CHECK: %[[M1:.*]] = cascade.einsum "mp->p" ins(%[[S1]] : tensor<8x16xf32>) reduce(max) attributes {cascade.softmax_shift}
// CHECK-NEXT: scf.yield %[[S1]], %[[M1]]
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[P2:.*]] = cascade.einsum "md,pd->mp" {{.*}} map(mul) reduce(add)
// CHECK-NEXT: %[[S2:.*]] = cascade.einsum "mp->mp" ins(%[[P2]] : tensor<8x16xf32>) mask(#cascade.causal on "p", "m")
// CHECK: %[[M2:.*]] = cascade.einsum "mp->p" ins(%[[S2]] : tensor<8x16xf32>) reduce(max) attributes {cascade.softmax_shift}
// CHECK-NEXT: scf.yield %[[S2]], %[[M2]]
// CHECK: return %[[IF]]#0, %[[IF]]#1
func.func @masked_step(%full: i1, %k: tensor<8x32xf32>, %q: tensor<16x32xf32>) -> (tensor<8x16xf32>, tensor<16xf32>) {
  %s = cascade.einsum "md,pd->mp" ins(%k, %q : tensor<8x32xf32>, tensor<16x32xf32>) map(mul) reduce(add) -> tensor<8x16xf32>
  %t = scf.if %full -> tensor<8x16xf32> {
    %a = cascade.einsum "mp->mp" ins(%s : tensor<8x16xf32>) {
    ^bb0(%x: f32):
      %c = arith.constant 0.125 : f32
      %y = arith.mulf %c, %x : f32
      cascade.yield %y : f32
    } -> tensor<8x16xf32>
    scf.yield %a : tensor<8x16xf32>
  } else {
    %b = cascade.einsum "mp->mp" ins(%s : tensor<8x16xf32>) mask(#cascade.causal on "p", "m") {
    ^bb0(%x: f32):
      %c = arith.constant 0.125 : f32
      %y = arith.mulf %c, %x : f32
      cascade.yield %y : f32
    } -> tensor<8x16xf32>
    scf.yield %b : tensor<8x16xf32>
  }
  %m = cascade.einsum "mp->p" ins(%t : tensor<8x16xf32>) reduce(max) attributes {cascade.softmax_shift} -> tensor<16xf32>
  return %t, %m : tensor<8x16xf32>, tensor<16xf32>
}

// -----

// Read in one branch only: moved there, not copied into the other.
// CHECK-LABEL: func.func @one_branch
// CHECK: scf.if %{{.*}} -> (tensor<4xf32>) {
// CHECK-NEXT: cascade.einsum "pm->p"
// CHECK-NEXT: scf.yield
// CHECK-NEXT: } else {
// CHECK-NOT: cascade.einsum
// CHECK: scf.yield %{{.*}} : tensor<4xf32>
func.func @one_branch(%c: i1, %s: tensor<4x6xf32>, %z: tensor<4xf32>) -> tensor<4xf32> {
  %r = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(add) -> tensor<4xf32>
  %t = scf.if %c -> tensor<4xf32> {
    scf.yield %r : tensor<4xf32>
  } else {
    scf.yield %z : tensor<4xf32>
  }
  return %t : tensor<4xf32>
}

// -----

// Read after the scf.if too, or by another scf.if: stays where it is. A max
// without cascade.softmax_shift (it must carry NaNs: IEEE maximum) stays
// after the scf.if.
// CHECK-LABEL: func.func @stays
// CHECK: %[[R:.*]] = cascade.einsum "pm->p"
// CHECK: %[[T:.*]] = scf.if
// CHECK: %[[U:.*]] = scf.if
// CHECK: %[[M:.*]] = cascade.einsum "p->" ins(%[[T]] : tensor<4xf32>) reduce(max) -> tensor<f32>
// CHECK: return %[[T]], %[[U]], %[[R]], %[[M]]
func.func @stays(%c: i1, %s: tensor<4x6xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) {
  %r = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(add) -> tensor<4xf32>
  %t = scf.if %c -> tensor<4xf32> {
    scf.yield %r : tensor<4xf32>
  } else {
    scf.yield %z : tensor<4xf32>
  }
  %u = scf.if %c -> tensor<4xf32> {
    scf.yield %r : tensor<4xf32>
  } else {
    scf.yield %z : tensor<4xf32>
  }
  %m = cascade.einsum "p->" ins(%t : tensor<4xf32>) reduce(max) -> tensor<f32>
  return %t, %u, %r, %m : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>
}

// -----

// A block max whose mask origin is computed after the scf.if: it cannot
// move before that value, so it stays.
// CHECK-LABEL: func.func @operand_after
// CHECK: %[[T:.*]] = scf.if %{{.*}} -> (tensor<8x16xf32>) {
// CHECK: arith.addi
// CHECK: cascade.einsum "mp->p" ins(%[[T]] : tensor<8x16xf32>) reduce(max) mask(#cascade.causal on "p", "m") mask_extent([16, 16]) mask_origin
func.func @operand_after(%c: i1, %s: tensor<8x16xf32>, %z: tensor<8x16xf32>, %i: index) -> tensor<16xf32> {
  %t = scf.if %c -> tensor<8x16xf32> {
    scf.yield %s : tensor<8x16xf32>
  } else {
    scf.yield %z : tensor<8x16xf32>
  }
  %o = arith.addi %i, %i : index
  %m = cascade.einsum "mp->p" ins(%t : tensor<8x16xf32>) reduce(max) mask(#cascade.causal on "p", "m") mask_extent([16, 16]) mask_origin(%o, %o) attributes {cascade.softmax_shift} -> tensor<16xf32>
  return %m : tensor<16xf32>
}
