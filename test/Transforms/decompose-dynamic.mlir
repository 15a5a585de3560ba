// RUN: cascade-opt %s --cascade-decompose -split-input-file -verify-diagnostics | FileCheck %s

// Run-time batch and sequence lengths decompose; GQA splits the query heads
// with the run-time query length as the expanded shape's size.
// CHECK-LABEL: func @dynamic_lengths
// CHECK: %[[P:.*]] = tensor.dim %arg0, %c2
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0], [1, 2], [3], [4]] output_shape [%{{.*}}, 2, 2, %[[P]], 16]
// CHECK: cascade.einsum "bhgpd,bhmd->bhgpm" {{.*}} -> tensor<?x2x2x?x?xf32>
// CHECK: mask(#cascade.causal on "p", "m")
// CHECK: tensor.collapse_shape {{.*}} into tensor<?x4x?x16xf32>
func.func @dynamic_lengths(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal) : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// The head counts fix the GQA grouping and the head dim the default scale:
// those must be static.
func.func @dynamic_heads(%q: tensor<1x?x8x16xf32>, %k: tensor<1x?x8x16xf32>, %v: tensor<1x?x8x16xf32>) -> tensor<1x?x8x16xf32> {
  // expected-error @+1 {{cannot decompose 'cascade.attention' with a run-time number of heads or head dim}}
  %o = cascade.attention %q, %k, %v : tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32> -> tensor<1x?x8x16xf32>
  return %o : tensor<1x?x8x16xf32>
}

// -----

func.func @dynamic_head_dim(%q: tensor<1x2x8x?xf32>, %k: tensor<1x2x8x?xf32>, %v: tensor<1x2x8x?xf32>) -> tensor<1x2x8x?xf32> {
  // expected-error @+1 {{cannot decompose 'cascade.attention' with a run-time number of heads or head dim}}
  %o = cascade.attention %q, %k, %v : tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32>, tensor<1x2x8x?xf32> -> tensor<1x2x8x?xf32>
  return %o : tensor<1x2x8x?xf32>
}

// -----

// MoE with a run-time token count (a serving batch): every op of the
// routing chain keeps the count as a run-time size, and the combine takes
// it as its rows.
// CHECK-LABEL: func @dynamic_tokens
// CHECK: cascade.einsum "th,he->te" {{.*}} -> tensor<?x4xf32>
// CHECK: cascade.topk {{.*}} k(2) : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi64>
// CHECK: %[[PERM:.*]], %[[OFF:.*]] = cascade.permute %{{.*}} groups(4) : tensor<?x2xi64> -> tensor<?xi64>, tensor<5xi64>
// CHECK: cascade.gather %arg0[%[[PERM]]] divisor(2) : tensor<?x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
// CHECK: cascade.grouped_einsum "rh,ehi->ri" {{.*}} offsets(%[[OFF]] : tensor<5xi64>) -> tensor<?x32xf32>
// CHECK: %[[T:.*]] = tensor.dim %arg0, %c0
// CHECK: cascade.scatter %{{.*}}[%[[PERM]]] weights(%{{.*}} : tensor<?xf32>) divisor(2) rows(%[[T]]) : tensor<?x16xf32>, tensor<?xi64> -> tensor<?x16xf32>
// CHECK-NOT: cascade.moe
func.func @dynamic_tokens(%x: tensor<?x16xf32>, %r: tensor<16x4xf32>, %g: tensor<4x16x32xf32>, %u: tensor<4x16x32xf32>, %d: tensor<4x32x16xf32>) -> tensor<?x16xf32> {
  %y = cascade.moe %x router(softmax_topk %r : tensor<16x4xf32>) k(2) experts(swiglu %g, %u, %d : tensor<4x16x32xf32>, tensor<4x16x32xf32>, tensor<4x32x16xf32>) : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A capacity is a fraction of the T * k slots: it needs T at compile time.
func.func @dynamic_tokens_capacity(%x: tensor<?x16xf32>, %r: tensor<16x4xf32>, %g: tensor<4x16x32xf32>, %u: tensor<4x16x32xf32>, %d: tensor<4x32x16xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{cannot decompose 'cascade.moe' with a capacity factor and a run-time number of tokens}}
  %y = cascade.moe %x router(softmax_topk %r : tensor<16x4xf32>) k(2) experts(swiglu %g, %u, %d : tensor<4x16x32xf32>, tensor<4x16x32xf32>, tensor<4x32x16xf32>) {capacity_factor = 1.25 : f64} : tensor<?x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

func.func @dynamic_hidden(%x: tensor<8x?xf32>, %r: tensor<?x4xf32>, %g: tensor<4x?x32xf32>, %u: tensor<4x?x32xf32>, %d: tensor<4x32x?xf32>) -> tensor<8x?xf32> {
  // expected-error @+1 {{cannot decompose 'cascade.moe' with a run-time hidden size or number of experts}}
  %y = cascade.moe %x router(softmax_topk %r : tensor<?x4xf32>) k(2) experts(swiglu %g, %u, %d : tensor<4x?x32xf32>, tensor<4x?x32xf32>, tensor<4x32x?xf32>) : tensor<8x?xf32> -> tensor<8x?xf32>
  return %y : tensor<8x?xf32>
}
