// RUN: cascade-opt %s --cascade-sparsify="query-block=4 key-block=4" 2>/dev/null | FileCheck %s
// RUN: cascade-opt %s --cascade-sparsify="query-block=4 key-block=4" -split-input-file -verify-diagnostics -o /dev/null
// Every table, folded or computed at run time, agrees with the mask at every
// point (the reference checks each lookup) and changes no result.
// RUN: cascade-opt %s --cascade-sparsify="query-block=4 key-block=4" -o %t.mlir 2>/dev/null
// RUN: cp %s %t.orig.mlir
// RUN: %compare-reference %t.orig.mlir %t.mlir %seed 0 0 causal decode window prefix block_table partitioned neighborhood neighborhood_2d neighborhood_dilated neighborhood_3d

// 12 x 12 causal in 4 x 4 blocks: 3 empty above the diagonal, 3 partial on
// it, 3 full below.
// CHECK-LABEL: func @causal
// CHECK: %[[T:.*]] = arith.constant dense<{{\[\[}}1, 0, 0], [2, 1, 0], [2, 2, 1]]> : tensor<3x3xi8>
// CHECK: mask(#cascade.causal on "p", "m") blocks(%[[T]] : tensor<3x3xi8>) block([4, 4])
func.func @causal(%s: tensor<12x12xf64>) -> tensor<12xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 3 empty, 3 partial, 3 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<12x12xf64>) reduce(add) mask(#cascade.causal on "p", "m") -> tensor<12xf64>
  return %0 : tensor<12xf64>
}

// -----

// Bottom-right causal, 4 queries over 12 keys: only the last key block is
// partial.
// CHECK: dense<{{\[\[}}2, 2, 1]]>
func.func @decode(%s: tensor<4x12xf64>) -> tensor<4xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 0 empty, 1 partial, 2 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<4x12xf64>) reduce(max) mask(#cascade.causal<bottom_right> on "p", "m") -> tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// Sliding window of 4 to the left: the diagonal blocks and the ones just
// below are partial, the rest empty; none is full.
// CHECK: dense<{{\[\[}}1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]>
func.func @window(%s: tensor<16x16xf64>) -> tensor<16xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 9 empty, 7 partial, 0 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<16x16xf64>) reduce(add) mask(#cascade.sliding_window<left = 4, right = 0> on "p", "m") -> tensor<16xf64>
  return %0 : tensor<16xf64>
}

// -----

// Prefix-LM with a prefix of 4: the first key block is always full.
// CHECK: dense<{{\[\[}}2, 0, 0], [2, 1, 0], [2, 2, 1]]>
func.func @prefix(%s: tensor<12x12xf64>) -> tensor<12xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 3 empty, 2 partial, 4 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<12x12xf64>) reduce(add) mask(#cascade.prefix_lm<prefix = 4> on "p", "m") -> tensor<12xf64>
  return %0 : tensor<12xf64>
}

// -----

// A block-sparse table is used as given; intersected with causal, its
// kept off-diagonal cells stay full and the diagonal ones partial.
// CHECK: dense<{{\[\[}}1, 0, 0], [2, 0, 0], [0, 0, 1]]>
func.func @block_table(%s: tensor<12x12xf64>) -> tensor<12xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 6 empty, 2 partial, 1 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<12x12xf64>) reduce(add) mask(#cascade.all_of<[#cascade.causal, #cascade.block_sparse<block = [4, 4], table = dense<[[true, false, false], [true, false, true], [false, false, true]]> : tensor<3x3xi1>>]> on "p", "m") -> tensor<12xf64>
  return %0 : tensor<12xf64>
}

// -----

// Runtime masks are classified at run time from their operands.
// CHECK-LABEL: func @document
// CHECK: %[[T:.*]] = cascade.classify_blocks #cascade.document extent([12, 12]) block([4, 4]) mask_args(%arg1, %arg2 : tensor<12xi32>, tensor<12xi32>) : tensor<3x3xi8>
// CHECK: blocks(%[[T]] : tensor<3x3xi8>) block([4, 4])
func.func @document(%s: tensor<12x12xf64>, %qs: tensor<12xi32>, %ks: tensor<12xi32>) -> tensor<12xf64> {
  %0 = cascade.einsum "pm->p" ins(%s : tensor<12x12xf64>) reduce(add) mask(#cascade.document on "p", "m") mask_args(%qs, %ks : tensor<12xi32>, tensor<12xi32>) -> tensor<12xf64>
  return %0 : tensor<12xf64>
}

// -----

// A partitioned key rank (n blocks of m) keeps its block size; the padded
// tail lies past the extent.
// CHECK: dense<{{\[\[}}1, 1, 0, 0], [2, 1, 1, 0], [2, 2, 2, 1]]>
// CHECK: mask(#cascade.causal on "p", "nm") mask_extent([10, 10]) blocks(%{{.*}} : tensor<3x4xi8>) block([4, 3])
func.func @partitioned(%s: tensor<10x4x3xf64>) -> tensor<10x4xf64> {
  // expected-remark @+1 {{blocks of [4, 3]: 3 empty, 5 partial, 4 full}}
  %0 = cascade.einsum "pnm->pn" ins(%s : tensor<10x4x3xf64>) reduce(max) mask(#cascade.causal on "p", "nm") mask_extent([10, 10]) -> tensor<10x4xf64>
  return %0 : tensor<10x4xf64>
}

// -----

// A 1-D neighborhood without dilation is a band (shifted inward at the
// borders): the diagonal blocks and their neighbours are partial, the rest
// empty.
func.func @neighborhood(%s: tensor<16x16xf64>) -> tensor<16xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 6 empty, 10 partial, 0 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<16x16xf64>) reduce(add) mask(#cascade.neighborhood<grid = [16], kernel = [3], dilation = [1]> on "p", "m") -> tensor<16xf64>
  return %0 : tensor<16xf64>
}

// -----

// Multi-dimensional and dilated neighborhoods are classified exactly too
// (each query's kept keys are a product of one progression per grid
// dimension, counted per block). 4 x 4 grid, 3 x 3 window, a block is one
// grid row: query row r keeps rows clamp(r - 1, 0, 1) .. + 2, 3 of the 4
// columns of each (never full).
// CHECK-LABEL: func @neighborhood_2d
// CHECK: dense<{{\[\[}}1, 1, 1, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 1, 1, 1]]> : tensor<4x4xi8>
func.func @neighborhood_2d(%s: tensor<16x16xf64>) -> tensor<16xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 4 empty, 12 partial, 0 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<16x16xf64>) reduce(add) mask(#cascade.neighborhood<grid = [4, 4], kernel = [3, 3], dilation = [1, 1]> on "p", "m") -> tensor<16xf64>
  return %0 : tensor<16xf64>
}

// -----

// Dilation 4, window 2: query q keeps keys of its residue q % 4 only, so
// every block of 4 queries and 4 keys is partial or empty.
// CHECK-LABEL: func @neighborhood_dilated
// CHECK: dense<{{\[\[}}1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]> : tensor<4x4xi8>
func.func @neighborhood_dilated(%s: tensor<16x16xf64>) -> tensor<16xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 8 empty, 8 partial, 0 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<16x16xf64>) reduce(add) mask(#cascade.neighborhood<grid = [16], kernel = [2], dilation = [4]> on "p", "m") -> tensor<16xf64>
  return %0 : tensor<16xf64>
}

// -----

// 3-D, window covering the two inner dimensions: each block of 4 x 4 is
// one inner row, kept whole or not at all, so there is no partial block.
// CHECK-LABEL: func @neighborhood_3d
// CHECK: tensor<16x16xi8>
func.func @neighborhood_3d(%s: tensor<64x64xf64>) -> tensor<64xf64> {
  // expected-remark @+1 {{blocks of [4, 4]: 128 empty, 0 partial, 128 full}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<64x64xf64>) reduce(add) mask(#cascade.neighborhood<grid = [4, 4, 4], kernel = [2, 4, 4], dilation = [1, 1, 1]> on "p", "m") -> tensor<64xf64>
  return %0 : tensor<64xf64>
}
