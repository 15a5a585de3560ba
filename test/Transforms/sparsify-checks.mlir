// A block table that contradicts its mask is an error in the reference,
// never a silent wrong answer.
// RUN: not cascade-run %s --entry wrong_empty --random-inputs 1 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: not cascade-run %s --entry wrong_full --random-inputs 1 2>&1 | FileCheck %s --check-prefix=FULL
// The run-time classification of a content-based mask, exactly.
// RUN: cascade-run %s --entry runtime_classes --print | FileCheck %s --check-prefix=RUNTIME

// EMPTY: error: block classes disagree with the mask: block (1, 0) is classified empty but the mask keeps (4, 0)
func.func @wrong_empty(%s: tensor<8x8xf64>) -> tensor<8xf64> {
  %t = arith.constant dense<[[1, 0], [0, 1]]> : tensor<2x2xi8>
  %0 = cascade.einsum "pm->p" ins(%s : tensor<8x8xf64>) reduce(add) mask(#cascade.causal on "p", "m") blocks(%t : tensor<2x2xi8>) block([4, 4]) -> tensor<8xf64>
  return %0 : tensor<8xf64>
}

// FULL: error: block classes disagree with the mask: block (0, 0) is classified full but the mask drops (0, 1)
func.func @wrong_full(%s: tensor<8x8xf64>) -> tensor<8xf64> {
  %t = arith.constant dense<[[2, 0], [2, 1]]> : tensor<2x2xi8>
  %0 = cascade.einsum "pm->p" ins(%s : tensor<8x8xf64>) reduce(add) mask(#cascade.causal on "p", "m") blocks(%t : tensor<2x2xi8>) block([4, 4]) -> tensor<8xf64>
  return %0 : tensor<8xf64>
}

// Query blocks of 2 over 6 queries, key blocks of 2 over 6 keys; query
// block 0 lists key block 2, block 1 lists 0 and 1, block 2 lists nothing.
// RUNTIME: result0 = [0, 0, 2, 2, 2, 0, 0, 0, 0]
func.func @runtime_classes() -> tensor<3x3xi8> {
  %idx = arith.constant dense<[[2, -1], [0, 1], [-1, -1]]> : tensor<3x2xi64>
  %t = cascade.classify_blocks #cascade.dynamic_block_sparse<block = [2, 2]> extent([6, 6]) block([2, 2]) mask_args(%idx : tensor<3x2xi64>) : tensor<3x3xi8>
  return %t : tensor<3x3xi8>
}
