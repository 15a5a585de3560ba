// RUN: cascade-opt %s --cascade-fuse-experts | FileCheck %s
// RUN: cascade-opt %S/decompose-numeric.mlir --cascade-decompose -o %t.dec.mlir
// RUN: cascade-opt %t.dec.mlir --cascade-fuse-experts -o %t.fused.mlir
// RUN: grep -c "cascade.grouped_einsum \"rh,ehi->ri\" ins(%[0-9a-z_]*, %[0-9a-z_]*, %" %t.fused.mlir | FileCheck %s --check-prefix=SWIGLU
// SWIGLU: 3
// RUN: %compare-reference %S/decompose-numeric.mlir %t.fused.mlir %seed 1e-10 1e-10 \
// RUN:   moe_softmax_swiglu_shared moe_capacity_drop moe_topk_softmax_gelu moe_sigmoid_grouped \
// RUN:   moe_many_experts_few_tokens

// SwiGLU: gate and up contractions of the same rows become one grouped
// contraction with two weights and the activation as its epilogue.
// CHECK-LABEL: func @swiglu
// CHECK-SAME: (%[[X:.*]]: tensor<10x16xf32>, %[[WG:.*]]: tensor<8x16x32xf32>, %[[WU:.*]]: tensor<8x16x32xf32>, %[[OFF:.*]]: tensor<9xi64>)
// CHECK: %[[H:.*]] = cascade.grouped_einsum "rh,ehi->ri" ins(%[[X]], %[[WG]], %[[WU]] : {{.*}}) offsets(%[[OFF]] : tensor<9xi64>) {
// CHECK: math.exp
// CHECK: cascade.yield
// CHECK: } -> tensor<10x32xf32>
// CHECK-NOT: cascade.einsum
// CHECK: return %[[H]]
func.func @swiglu(%x: tensor<10x16xf32>, %wg: tensor<8x16x32xf32>, %wu: tensor<8x16x32xf32>, %off: tensor<9xi64>) -> tensor<10x32xf32> {
  %g = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %wg : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%off : tensor<9xi64>) -> tensor<10x32xf32>
  %u = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %wu : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%off : tensor<9xi64>) -> tensor<10x32xf32>
  %h = cascade.einsum "ri,ri->ri" ins(%g, %u : tensor<10x32xf32>, tensor<10x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %one = arith.constant 1.0 : f32
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %s = arith.divf %a, %d : f32
    %r = arith.mulf %s, %b : f32
    cascade.yield %r : f32
  } -> tensor<10x32xf32>
  return %h : tensor<10x32xf32>
}

// Different rows: nothing to fuse.
// CHECK-LABEL: func @different_rows
// CHECK: cascade.einsum "ri,ri->ri"
func.func @different_rows(%x: tensor<10x16xf32>, %y: tensor<10x16xf32>, %w: tensor<8x16x32xf32>, %off: tensor<9xi64>) -> tensor<10x32xf32> {
  %g = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%off : tensor<9xi64>) -> tensor<10x32xf32>
  %u = cascade.grouped_einsum "rh,ehi->ri" ins(%y, %w : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%off : tensor<9xi64>) -> tensor<10x32xf32>
  %h = cascade.einsum "ri,ri->ri" ins(%g, %u : tensor<10x32xf32>, tensor<10x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.mulf %a, %b : f32
    cascade.yield %r : f32
  } -> tensor<10x32xf32>
  return %h : tensor<10x32xf32>
}

// GELU: one weight, the activation as the epilogue.
// CHECK-LABEL: func @gelu
// CHECK: cascade.grouped_einsum "rh,ehi->ri" ins(%{{.*}}, %{{.*}} : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%{{.*}} : tensor<9xi64>) {
// CHECK: math.erf
// CHECK-NOT: cascade.einsum
func.func @gelu(%x: tensor<10x16xf32>, %w: tensor<8x16x32xf32>, %off: tensor<9xi64>) -> tensor<10x32xf32> {
  %u = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%off : tensor<9xi64>) -> tensor<10x32xf32>
  %h = cascade.einsum "ri->ri" ins(%u : tensor<10x32xf32>) {
  ^bb0(%a: f32):
    %c = arith.constant 0.70710678 : f32
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %s = arith.mulf %a, %c : f32
    %e = math.erf %s : f32
    %p = arith.addf %one, %e : f32
    %h2 = arith.mulf %a, %half : f32
    %r = arith.mulf %h2, %p : f32
    cascade.yield %r : f32
  } -> tensor<10x32xf32>
  return %h : tensor<10x32xf32>
}
