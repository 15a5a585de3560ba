// Round trip: print, parse again, print the same.
// RUN: cascade-opt %s | cascade-opt | FileCheck %s
// Generic form survives a round trip too.
// RUN: cascade-opt %s --mlir-print-op-generic | cascade-opt | FileCheck %s

// CHECK-LABEL: func @einsum_contraction
// CHECK: cascade.einsum "pe,me->pm" ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<6x8xf32>) map(mul) reduce(add) -> tensor<4x6xf32>
func.func @einsum_contraction(%q: tensor<4x8xf32>, %k: tensor<6x8xf32>) -> tensor<4x6xf32> {
  %0 = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<4x8xf32>, tensor<6x8xf32>) map(mul) reduce(add) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// CHECK-LABEL: func @einsum_reduce_only
// CHECK: cascade.einsum "pm->p" ins(%{{.*}} : tensor<4x6xf32>) reduce(max) -> tensor<4xf32>
func.func @einsum_reduce_only(%s: tensor<4x6xf32>) -> tensor<4xf32> {
  %0 = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(max) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Discardable attributes (the facts cascade-online-softmax records, and
// other dialects' attributes) follow the `attributes` keyword: a bare
// `{...}` there would read as a region.
// CHECK-LABEL: func @einsum_discardable_attributes
// CHECK: cascade.einsum "pm->p" ins(%{{.*}} : tensor<4x6xf32>) reduce(max) attributes {cascade.softmax_shift} -> tensor<4xf32>
// CHECK: cascade.einsum "p->p" ins(%{{.*}} : tensor<4xf32>) {
// CHECK: } attributes {my.note = 1 : i64} -> tensor<4xf32>
func.func @einsum_discardable_attributes(%s: tensor<4x6xf32>) -> tensor<4xf32> {
  %0 = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(max) attributes {cascade.softmax_shift} -> tensor<4xf32>
  %1 = cascade.einsum "p->p" ins(%0 : tensor<4xf32>) {
  ^bb0(%x: f32):
    cascade.yield %x : f32
  } attributes {my.note = 1 : i64} -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// CHECK-LABEL: func @einsum_region
// CHECK: cascade.einsum "pm,p->pm" ins(%{{.*}}, %{{.*}} : tensor<4x6xf32>, tensor<4xf32>) {
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[A]], %[[B]] : f32
// CHECK-NEXT: %[[P:.*]] = cascade.coord "p" : index
// CHECK: cascade.yield %{{.*}} : f32
// CHECK-NEXT: } -> tensor<4x6xf32>
func.func @einsum_region(%s: tensor<4x6xf32>, %m: tensor<4xf32>) -> tensor<4x6xf32> {
  %0 = cascade.einsum "pm,p->pm" ins(%s, %m : tensor<4x6xf32>, tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    %p = cascade.coord "p" : index
    %i = arith.index_cast %p : index to i64
    %f = arith.sitofp %i : i64 to f32
    %e = math.exp %d : f32
    %r = arith.addf %e, %f : f32
    cascade.yield %r : f32
  } -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// CHECK-LABEL: func @einsum_masks
// CHECK: mask(#cascade.causal on "p", "m")
// CHECK: mask(#cascade.causal<bottom_right> on "p", "m")
// CHECK: mask(#cascade.sliding_window<left = 2, right = 1> on "p", "m")
// CHECK: mask(#cascade.prefix_lm<prefix = 2> on "p", "m")
// CHECK: mask(#cascade.document on "p", "m") mask_args(%{{.*}}, %{{.*}} : tensor<4xi32>, tensor<6xi32>)
// CHECK: mask(#cascade.block_sparse<block = [2, 3], table = dense<{{\[\[}}true, false], [true, true]]> : tensor<2x2xi1>> on "p", "m")
// CHECK: mask(#cascade.dynamic_block_sparse<block = [2, 3]> on "p", "m") mask_args(%{{.*}} : tensor<2x1xi64>)
// CHECK: mask(#cascade.all_of<[#cascade.causal, #cascade.document]> on "p", "m") mask_args
// CHECK: fill(0.000000e+00)
func.func @einsum_masks(%s: tensor<4x6xf32>, %qs: tensor<4xi32>, %ks: tensor<6xi32>, %blocks: tensor<2x1xi64>) -> tensor<4x6xf32> {
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.causal on "p", "m") -> tensor<4x6xf32>
  %1 = cascade.einsum "pm->pm" ins(%0 : tensor<4x6xf32>) mask(#cascade.causal<bottom_right> on "p", "m") -> tensor<4x6xf32>
  %2 = cascade.einsum "pm->pm" ins(%1 : tensor<4x6xf32>) mask(#cascade.sliding_window<left = 2, right = 1> on "p", "m") -> tensor<4x6xf32>
  %3 = cascade.einsum "pm->pm" ins(%2 : tensor<4x6xf32>) mask(#cascade.prefix_lm<prefix = 2> on "p", "m") -> tensor<4x6xf32>
  %4 = cascade.einsum "pm->pm" ins(%3 : tensor<4x6xf32>) mask(#cascade.document on "p", "m") mask_args(%qs, %ks : tensor<4xi32>, tensor<6xi32>) -> tensor<4x6xf32>
  %5 = cascade.einsum "pm->pm" ins(%4 : tensor<4x6xf32>) mask(#cascade.block_sparse<block = [2, 3], table = dense<[[true, false], [true, true]]> : tensor<2x2xi1>> on "p", "m") -> tensor<4x6xf32>
  %6 = cascade.einsum "pm->pm" ins(%5 : tensor<4x6xf32>) mask(#cascade.dynamic_block_sparse<block = [2, 3]> on "p", "m") mask_args(%blocks : tensor<2x1xi64>) -> tensor<4x6xf32>
  %7 = cascade.einsum "pm->pm" ins(%6 : tensor<4x6xf32>) mask(#cascade.all_of<[#cascade.causal, #cascade.document]> on "p", "m") mask_args(%qs, %ks : tensor<4xi32>, tensor<6xi32>) fill(0.0) -> tensor<4x6xf32>
  return %7 : tensor<4x6xf32>
}

// CHECK-LABEL: func @neighborhood
// CHECK: #cascade.neighborhood<grid = [4, 4], kernel = [3, 3], dilation = [1, 1]>
// CHECK: #cascade.neighborhood<grid = [2, 2, 4], kernel = [1, 2, 2], dilation = [1, 1, 2]>
func.func @neighborhood(%s: tensor<16x16xf32>) -> tensor<16xf32> {
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<16x16xf32>) mask(#cascade.neighborhood<grid = [4, 4], kernel = [3, 3], dilation = [1, 1]> on "p", "m") -> tensor<16x16xf32>
  %1 = cascade.einsum "pm->p" ins(%0 : tensor<16x16xf32>) reduce(add) mask(#cascade.neighborhood<grid = [2, 2, 4], kernel = [1, 2, 2], dilation = [1, 1, 2]> on "p", "m") -> tensor<16xf32>
  return %1 : tensor<16xf32>
}

// CHECK-LABEL: func @routing
// CHECK: cascade.topk %{{.*}} k(2) : tensor<5x8xf32> -> tensor<5x2xf32>, tensor<5x2xi64>
// CHECK: cascade.topk %{{.*}} k(3) groups(4, 2) : tensor<5x8xf32> -> tensor<5x3xf32>, tensor<5x3xi64>
// CHECK: cascade.permute %{{.*}} groups(8) : tensor<5x2xi64> -> tensor<10xi64>, tensor<9xi64>
// CHECK: cascade.permute %{{.*}} groups(8) capacity(2) : tensor<5x2xi64> -> tensor<10xi64>, tensor<9xi64>
// CHECK: cascade.gather %{{.*}}[%{{.*}}] divisor(2) : tensor<5x16xf32>, tensor<10xi64> -> tensor<10x16xf32>
// CHECK: cascade.grouped_einsum "rh,ehi->ri" ins(%{{.*}}, %{{.*}} : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%{{.*}} : tensor<9xi64>) -> tensor<10x32xf32>
// CHECK: cascade.scatter %{{.*}}[%{{.*}}] weights(%{{.*}} : tensor<10xf32>) divisor(2) : tensor<10x32xf32>, tensor<10xi64> -> tensor<5x32xf32>
// CHECK: cascade.gather %{{.*}}[%{{.*}}] : tensor<8xf32>, tensor<5x2xi64> -> tensor<5x2xf32>
// CHECK: cascade.scatter %{{.*}}[%{{.*}}] divisor(2) rows(%{{.*}}) : tensor<?x32xf32>, tensor<?xi64> -> tensor<?x32xf32>
func.func @routing(%logits: tensor<5x8xf32>, %x: tensor<5x16xf32>, %w: tensor<8x16x32xf32>, %rw: tensor<10xf32>, %bias: tensor<8xf32>) -> tensor<5x32xf32> {
  %v, %i = cascade.topk %logits k(2) : tensor<5x8xf32> -> tensor<5x2xf32>, tensor<5x2xi64>
  %gv, %gi = cascade.topk %logits k(3) groups(4, 2) : tensor<5x8xf32> -> tensor<5x3xf32>, tensor<5x3xi64>
  %perm, %off = cascade.permute %i groups(8) : tensor<5x2xi64> -> tensor<10xi64>, tensor<9xi64>
  %perm2, %off2 = cascade.permute %i groups(8) capacity(2) : tensor<5x2xi64> -> tensor<10xi64>, tensor<9xi64>
  %rows = cascade.gather %x[%perm] divisor(2) : tensor<5x16xf32>, tensor<10xi64> -> tensor<10x16xf32>
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%rows, %w : tensor<10x16xf32>, tensor<8x16x32xf32>) offsets(%off : tensor<9xi64>) -> tensor<10x32xf32>
  %out = cascade.scatter %h[%perm] weights(%rw : tensor<10xf32>) divisor(2) : tensor<10x32xf32>, tensor<10xi64> -> tensor<5x32xf32>
  %b = cascade.gather %bias[%i] : tensor<8xf32>, tensor<5x2xi64> -> tensor<5x2xf32>
  // A run-time number of tokens: the combine's rows are an operand.
  %c5 = arith.constant 5 : index
  %dh = tensor.cast %h : tensor<10x32xf32> to tensor<?x32xf32>
  %dperm = tensor.cast %perm : tensor<10xi64> to tensor<?xi64>
  %dout = cascade.scatter %dh[%dperm] divisor(2) rows(%c5) : tensor<?x32xf32>, tensor<?xi64> -> tensor<?x32xf32>
  return %out : tensor<5x32xf32>
}

// CHECK-LABEL: func @attention
// CHECK: cascade.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16> -> tensor<2x8x16x64xf16>
// CHECK: cascade.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<16x16xf16>) mask(#cascade.sliding_window<left = 4, right = 0>) {alibi, scale = 1.250000e-01 : f64, softcap = 5.000000e+01 : f64} : {{.*}} -> tensor<2x8x16x64xf16>, tensor<2x8x16xf32>
// CHECK: cascade.attention %{{.*}}, %{{.*}}, %{{.*}} mask(#cascade.document) mask_args(%{{.*}}, %{{.*}} : tensor<16xi32>, tensor<16xi32>)
func.func @attention(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x16x64xf16>, %v: tensor<2x2x16x64xf16>, %bias: tensor<16x16xf16>, %seg: tensor<16xi32>) -> tensor<2x8x16x64xf16> {
  %0 = cascade.attention %q, %k, %v : tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16> -> tensor<2x8x16x64xf16>
  %1, %lse = cascade.attention %q, %k, %v bias(%bias : tensor<16x16xf16>) mask(#cascade.sliding_window<left = 4, right = 0>) {scale = 0.125 : f64, softcap = 50.0 : f64, alibi} : tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16> -> tensor<2x8x16x64xf16>, tensor<2x8x16xf32>
  %2 = cascade.attention %q, %k, %v mask(#cascade.document) mask_args(%seg, %seg : tensor<16xi32>, tensor<16xi32>) : tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16> -> tensor<2x8x16x64xf16>
  return %2 : tensor<2x8x16x64xf16>
}

// CHECK-LABEL: func @moe
// CHECK: cascade.moe %{{.*}} router(softmax_topk %{{.*}} : tensor<16x8xf32>) k(2) experts(swiglu %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x16x32xf32>, tensor<8x16x32xf32>, tensor<8x32x16xf32>) {normalize} : tensor<5x16xf32> -> tensor<5x16xf32>
// CHECK: cascade.moe %{{.*}} router(sigmoid_bias %{{.*}} : tensor<16x8xf32>) router_bias(%{{.*}} : tensor<8xf32>) k(2) experts(gelu %{{.*}}, %{{.*}} : tensor<8x16x32xf32>, tensor<8x32x16xf32>) shared(%{{.*}}, %{{.*}} : tensor<16x24xf32>, tensor<24x16xf32>) {capacity_factor = 1.250000e+00 : f64, groups_kept = 2 : i64, num_groups = 4 : i64}
func.func @moe(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wg: tensor<8x16x32xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>, %b: tensor<8xf32>, %su: tensor<16x24xf32>, %sd: tensor<24x16xf32>) -> tensor<5x16xf32> {
  %0 = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(2) experts(swiglu %wg, %wu, %wd : tensor<8x16x32xf32>, tensor<8x16x32xf32>, tensor<8x32x16xf32>) {normalize} : tensor<5x16xf32> -> tensor<5x16xf32>
  %1 = cascade.moe %0 router(sigmoid_bias %wr : tensor<16x8xf32>) router_bias(%b : tensor<8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) shared(%su, %sd : tensor<16x24xf32>, tensor<24x16xf32>) {num_groups = 4, groups_kept = 2, capacity_factor = 1.25 : f64} : tensor<5x16xf32> -> tensor<5x16xf32>
  return %1 : tensor<5x16xf32>
}

// CHECK-LABEL: func @iterative_and_partitioned
// CHECK: cascade.einsum "np->np" ins(%{{.*}} : tensor<4x8xf32>) iterate("n" init %{{.*}} : tensor<8xf32>) {
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32):
// CHECK: } -> tensor<5x8xf32>
// CHECK: cascade.einsum "pnm->pn" ins(%{{.*}} : tensor<8x4x16xf32>) reduce(max) mask(#cascade.causal<bottom_right> on "p", "nm") mask_extent([8, 60]) -> tensor<8x4xf32>
func.func @iterative_and_partitioned(%lm: tensor<4x8xf32>, %init: tensor<8xf32>, %s: tensor<8x4x16xf32>) -> (tensor<5x8xf32>, tensor<8x4xf32>) {
  %rm = cascade.einsum "np->np" ins(%lm : tensor<4x8xf32>) iterate("n" init %init : tensor<8xf32>) {
  ^bb0(%prev: f32, %x: f32):
    %m = arith.maximumf %prev, %x : f32
    cascade.yield %m : f32
  } -> tensor<5x8xf32>
  %bm = cascade.einsum "pnm->pn" ins(%s : tensor<8x4x16xf32>) reduce(max) mask(#cascade.causal<bottom_right> on "p", "nm") mask_extent([8, 60]) -> tensor<8x4xf32>
  return %rm, %bm : tensor<5x8xf32>, tensor<8x4xf32>
}

// A run-time number of key blocks: the extent's keys are a run-time size.
// CHECK-LABEL: func @runtime_mask_extent
// CHECK: cascade.einsum "pnm->pn" ins(%{{.*}} : tensor<8x?x16xf32>) reduce(max) mask(#cascade.causal<bottom_right> on "p", "nm") mask_extent([8, %{{.*}}]) -> tensor<8x?xf32>
func.func @runtime_mask_extent(%s: tensor<8x?x16xf32>, %keys: index) -> tensor<8x?xf32> {
  %bm = cascade.einsum "pnm->pn" ins(%s : tensor<8x?x16xf32>) reduce(max) mask(#cascade.causal<bottom_right> on "p", "nm") mask_extent([8, %keys]) -> tensor<8x?xf32>
  return %bm : tensor<8x?xf32>
}

// CHECK-LABEL: func @block_classes
// CHECK: %[[T:.*]] = cascade.classify_blocks #cascade.document extent([8, 8]) block([4, 4]) mask_args(%{{.*}}, %{{.*}} : tensor<8xi32>, tensor<8xi32>) : tensor<2x2xi8>
// CHECK: mask(#cascade.document on "p", "m") mask_args(%{{.*}}, %{{.*}} : tensor<8xi32>, tensor<8xi32>) blocks(%[[T]] : tensor<2x2xi8>) block([4, 4])
func.func @block_classes(%s: tensor<8x8xf32>, %ids: tensor<8xi32>) -> tensor<8xf32> {
  %t = cascade.classify_blocks #cascade.document extent([8, 8]) block([4, 4]) mask_args(%ids, %ids : tensor<8xi32>, tensor<8xi32>) : tensor<2x2xi8>
  %0 = cascade.einsum "pm->p" ins(%s : tensor<8x8xf32>) reduce(add) mask(#cascade.document on "p", "m") mask_args(%ids, %ids : tensor<8xi32>, tensor<8xi32>) blocks(%t : tensor<2x2xi8>) block([4, 4]) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// A run-time extent (dynamic sequence lengths): the sizes are operands and
// the table has dynamic sizes.
// CHECK-LABEL: func @runtime_extent
// CHECK: cascade.classify_blocks #cascade.causal<bottom_right> extent([%{{.*}}, 4096]) block([64, 64]) : tensor<?x64xi8>
// CHECK: cascade.classify_blocks #cascade.sliding_window<left = 8, right = 0> extent([%{{.*}}, %{{.*}}]) block([16, 32]) : tensor<?x?xi8>
func.func @runtime_extent(%p: index, %m: index) -> (tensor<?x64xi8>, tensor<?x?xi8>) {
  %a = cascade.classify_blocks #cascade.causal<bottom_right> extent([%p, 4096]) block([64, 64]) : tensor<?x64xi8>
  %b = cascade.classify_blocks #cascade.sliding_window<left = 8, right = 0> extent([%p, %m]) block([16, 32]) : tensor<?x?xi8>
  return %a, %b : tensor<?x64xi8>, tensor<?x?xi8>
}

// CHECK-LABEL: func @fused_experts
// CHECK: cascade.grouped_einsum "rh,ehi->ri" ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<10x16xf32>, tensor<8x16x32xf32>, tensor<8x16x32xf32>) offsets(%{{.*}} : tensor<9xi64>) {
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32):
// CHECK: } -> tensor<10x32xf32>
func.func @fused_experts(%x: tensor<10x16xf32>, %wg: tensor<8x16x32xf32>, %wu: tensor<8x16x32xf32>, %off: tensor<9xi64>) -> tensor<10x32xf32> {
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %wg, %wu : tensor<10x16xf32>, tensor<8x16x32xf32>, tensor<8x16x32xf32>) offsets(%off : tensor<9xi64>) {
  ^bb0(%g: f32, %u: f32):
    %p = arith.mulf %g, %u : f32
    cascade.yield %p : f32
  } -> tensor<10x32xf32>
  return %h : tensor<10x32xf32>
}

// CHECK-LABEL: func.func @check_indices
// CHECK: cascade.check_indices %arg0 in[0, 8) what("expert ids") : tensor<4x2xi64>
// CHECK: cascade.check_indices %arg1 in[0, 5) allow(-1) nondecreasing what("offsets") : tensor<6xi32>
func.func @check_indices(%ids: tensor<4x2xi64>, %off: tensor<6xi32>) -> (tensor<4x2xi64>, tensor<6xi32>) {
  %0 = cascade.check_indices %ids in [0, 8) what("expert ids") : tensor<4x2xi64>
  %1 = cascade.check_indices %off in [0, 5) allow(-1) nondecreasing what("offsets") : tensor<6xi32>
  return %0, %1 : tensor<4x2xi64>, tensor<6xi32>
}
