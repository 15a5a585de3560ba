// Bad values at run time give a diagnostic at the op and exit 1, never a
// crash or a silent wrong answer.
// RUN: not cascade-run %s --entry gather_oob 2>&1 | FileCheck %s --check-prefix=GATHER
// RUN: not cascade-run %s --entry scatter_oob 2>&1 | FileCheck %s --check-prefix=SCATTER
// RUN: not cascade-run %s --entry permute_bad_key 2>&1 | FileCheck %s --check-prefix=PERMUTE
// RUN: not cascade-run %s --entry grouped_bad_offsets 2>&1 | FileCheck %s --check-prefix=GROUPED
// RUN: not cascade-run %s --entry block_index_oob 2>&1 | FileCheck %s --check-prefix=BLOCKS
// RUN: not cascade-run %s --entry unsupported_op 2>&1 | FileCheck %s --check-prefix=UNKNOWN-OP
// The lowered routing checks its keys (cascade.check_indices) on every target:
// RUN: cascade-opt %s --cascade-lower-routing | not cascade-run - --entry permute_bad_key 2>&1 | FileCheck %s --check-prefix=CHECKED-KEYS
// The CPU target reports the same bad values as run-time errors:
// RUN: not cascade-run %s --target cpu --entry gather_oob 2>&1 | FileCheck %s --check-prefix=CPU-GATHER
// RUN: not cascade-run %s --target cpu --entry scatter_oob 2>&1 | FileCheck %s --check-prefix=CPU-SCATTER
// RUN: not cascade-run %s --target cpu --entry permute_bad_key 2>&1 | FileCheck %s --check-prefix=CHECKED-KEYS
// RUN: not cascade-run %s --target cpu --entry grouped_bad_offsets 2>&1 | FileCheck %s --check-prefix=CPU-GROUPED
// RUN: not cascade-run %s --target cpu --entry block_index_oob 2>&1 | FileCheck %s --check-prefix=CPU-BLOCKS
// CPU-GATHER: error: run-time error: 'indices' of cascade.gather (divided by 2, for the 3 rows of 'source'): entry 1 is 7, out of range (must be < 6)
// CPU-SCATTER: error: run-time error: cascade.scatter: index 4 (entry 0 of 'indices') is out of range for the 2 rows of the result
// CHECKED-KEYS: error: {{.*}}cascade.permute keys: entry 1 is 8, out of range [0, 8)
// CPU-GROUPED: error: run-time error: 'offsets' of cascade.grouped_einsum: entry 1 is 5, out of range [0, 3)
// CPU-BLOCKS: error: run-time error: key block indices of the dynamic_block_sparse mask: entry 1 is 3, out of range [0, 2) (-1 allowed)

// GATHER: error: index 7 (entry 1 of 'indices', divided by 2) is out of range for the 3 rows of 'source'
func.func @gather_oob() -> tensor<2x2xf64> {
  %src = arith.constant dense<1.0> : tensor<3x2xf64>
  %idx = arith.constant dense<[0, 7]> : tensor<2xi64>
  %g = cascade.gather %src[%idx] divisor(2) : tensor<3x2xf64>, tensor<2xi64> -> tensor<2x2xf64>
  return %g : tensor<2x2xf64>
}

// SCATTER: error: index 4 (entry 0 of 'indices') is out of range for the 2 rows of the result
func.func @scatter_oob() -> tensor<2x1xf64> {
  %rows = arith.constant dense<1.0> : tensor<1x1xf64>
  %idx = arith.constant dense<[4]> : tensor<1xi64>
  %s = cascade.scatter %rows[%idx] : tensor<1x1xf64>, tensor<1xi64> -> tensor<2x1xf64>
  return %s : tensor<2x1xf64>
}

// PERMUTE: error: key 8 (slot 1) is out of range [0, 8)
func.func @permute_bad_key() -> tensor<9xi64> {
  %keys = arith.constant dense<[0, 8]> : tensor<2xi64>
  %p, %o = cascade.permute %keys groups(8) : tensor<2xi64> -> tensor<2xi64>, tensor<9xi64>
  return %o : tensor<9xi64>
}

// GROUPED: error: 'offsets' must be non-decreasing within [0, 2]; entry 1 is 5
func.func @grouped_bad_offsets() -> tensor<2x1xf64> {
  %x = arith.constant dense<1.0> : tensor<2x1xf64>
  %w = arith.constant dense<1.0> : tensor<2x1x1xf64>
  %off = arith.constant dense<[0, 5, 2]> : tensor<3xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<2x1xf64>, tensor<2x1x1xf64>) offsets(%off : tensor<3xi64>) -> tensor<2x1xf64>
  return %y : tensor<2x1xf64>
}

// BLOCKS: error: key block index 3 at [1, 0] of the block indices is out of range [0, 2) (-1 marks padding)
func.func @block_index_oob() -> tensor<2x4xf64> {
  %s = arith.constant dense<1.0> : tensor<2x4xf64>
  %blocks = arith.constant dense<[[1], [3]]> : tensor<2x1xi64>
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<2x4xf64>) mask(#cascade.dynamic_block_sparse<block = [1, 2]> on "p", "m") mask_args(%blocks : tensor<2x1xi64>) -> tensor<2x4xf64>
  return %0 : tensor<2x4xf64>
}

// UNKNOWN-OP: error: reference interpreter does not support 'math.sin' in an einsum map region
func.func @unsupported_op() -> tensor<2xf64> {
  %s = arith.constant dense<1.0> : tensor<2xf64>
  %0 = cascade.einsum "p->p" ins(%s : tensor<2xf64>) {
  ^bb0(%a: f64):
    %r = math.sin %a : f64
    cascade.yield %r : f64
  } -> tensor<2xf64>
  return %0 : tensor<2xf64>
}
