// The reference interpreter against independent closed forms.
// RUN: cascade-run %s --entry one_hot_attention --print | FileCheck %s --check-prefix=ONEHOT
// RUN: cascade-run %s --entry softmax_rows --print | FileCheck %s --check-prefix=SOFTMAX
// RUN: cascade-run %s --entry topk_known --print | FileCheck %s --check-prefix=TOPK
// RUN: cascade-run %s --entry permute_known --print | FileCheck %s --check-prefix=PERMUTE
// RUN: cascade-run %s --entry gather_scatter --print | FileCheck %s --check-prefix=GS
// RUN: cascade-run %s --entry grouped --print | FileCheck %s --check-prefix=GROUPED
// RUN: cascade-run %s --entry mask_patterns --print | FileCheck %s --check-prefix=MASKS
// RUN: cascade-run %s --entry fully_masked --print | FileCheck %s --check-prefix=EMPTY
// RUN: cascade-run %s --entry alibi_two_keys --print | FileCheck %s --check-prefix=ALIBI
// RUN: cascade-run %s --entry moe_single_expert --print | FileCheck %s --check-prefix=MOE
// RUN: cascade-run %s --entry coords --print | FileCheck %s --check-prefix=COORDS
// RUN: cascade-run %s --entry scans --print | FileCheck %s --check-prefix=SCAN
// RUN: cascade-run %s --entry partitioned_mask --print | FileCheck %s --check-prefix=PART
// RUN: cascade-run %s --entry pad_slice --print | FileCheck %s --check-prefix=PAD
// RUN: cascade-run %s --entry special_logits --print | FileCheck %s --check-prefix=SPECIAL
// RUN: cascade-opt %s --cascade-decompose | cascade-run - --entry special_logits --print | FileCheck %s --check-prefix=SPECIAL
// RUN: cascade-opt %s --cascade-decompose --cascade-online-softmax=block-size=2 | cascade-run - --entry special_logits --print | FileCheck %s --check-prefix=SPECIAL
// The CPU target (JIT) gives the same closed forms:
// RUN: cascade-run %s --target cpu --entry one_hot_attention --print | FileCheck %s --check-prefix=ONEHOT
// RUN: cascade-run %s --target cpu --entry softmax_rows --print | FileCheck %s --check-prefix=SOFTMAX
// RUN: cascade-run %s --target cpu --entry topk_known --print | FileCheck %s --check-prefix=TOPK
// RUN: cascade-run %s --target cpu --entry permute_known --print | FileCheck %s --check-prefix=PERMUTE
// RUN: cascade-run %s --target cpu --entry gather_scatter --print | FileCheck %s --check-prefix=GS
// RUN: cascade-run %s --target cpu --entry grouped --print | FileCheck %s --check-prefix=GROUPED
// RUN: cascade-run %s --target cpu --entry mask_patterns --print | FileCheck %s --check-prefix=MASKS
// RUN: cascade-run %s --target cpu --entry fully_masked --print | FileCheck %s --check-prefix=EMPTY
// RUN: cascade-run %s --target cpu --entry alibi_two_keys --print | FileCheck %s --check-prefix=ALIBI
// RUN: cascade-run %s --target cpu --entry moe_single_expert --print | FileCheck %s --check-prefix=MOE
// RUN: cascade-run %s --target cpu --entry coords --print | FileCheck %s --check-prefix=COORDS
// RUN: cascade-run %s --target cpu --entry scans --print | FileCheck %s --check-prefix=SCAN
// RUN: cascade-run %s --target cpu --entry partitioned_mask --print | FileCheck %s --check-prefix=PART
// RUN: cascade-run %s --target cpu --entry pad_slice --print | FileCheck %s --check-prefix=PAD
// RUN: cascade-run %s --target cpu --entry special_logits --print | FileCheck %s --check-prefix=SPECIAL

// q . k_1 dominates by 100: the output is V's row 1.
// ONEHOT: result0 = [7, 8]
func.func @one_hot_attention() -> tensor<1x1x1x2xf64> {
  %q = arith.constant dense<[[[[0.0, 1.0]]]]> : tensor<1x1x1x2xf64>
  %k = arith.constant dense<[[[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]]]> : tensor<1x1x3x2xf64>
  %v = arith.constant dense<[[[[1.0, 2.0], [7.0, 8.0], [3.0, 4.0]]]]> : tensor<1x1x3x2xf64>
  %o = cascade.attention %q, %k, %v {scale = 100.0 : f64} : tensor<1x1x1x2xf64>, tensor<1x1x3x2xf64>, tensor<1x1x3x2xf64> -> tensor<1x1x1x2xf64>
  return %o : tensor<1x1x1x2xf64>
}

// Softmax written as einsums: every row sums to 1; row 0 is uniform.
// SOFTMAX: result0 = [1, 1, 1]
// SOFTMAX: result1 = [0.25, 0.25, 0.25, 0.25,
func.func @softmax_rows() -> (tensor<3xf64>, tensor<3x4xf64>) {
  %s = arith.constant dense<[[1.0, 1.0, 1.0, 1.0], [0.0, 3.0, -2.0, 700.0], [-5.0, 2.0, 2.5, 0.0]]> : tensor<3x4xf64>
  %m = cascade.einsum "pm->p" ins(%s : tensor<3x4xf64>) reduce(max) -> tensor<3xf64>
  %e = cascade.einsum "pm,p->pm" ins(%s, %m : tensor<3x4xf64>, tensor<3xf64>) {
  ^bb0(%a: f64, %b: f64):
    %d = arith.subf %a, %b : f64
    %x = math.exp %d : f64
    cascade.yield %x : f64
  } -> tensor<3x4xf64>
  %z = cascade.einsum "pm->p" ins(%e : tensor<3x4xf64>) reduce(add) -> tensor<3xf64>
  %a = cascade.einsum "pm,p->pm" ins(%e, %z : tensor<3x4xf64>, tensor<3xf64>) map(div) -> tensor<3x4xf64>
  %sum = cascade.einsum "pm->p" ins(%a : tensor<3x4xf64>) reduce(add) -> tensor<3xf64>
  return %sum, %a : tensor<3xf64>, tensor<3x4xf64>
}

// TOPK: result0 = [4, 3, 2, 5, 5, 2]
// TOPK: result1 = [4, 0, 2, 1, 2, 3]
// Groups of 2: scores {3+0, 2+1, 4+0.5} keep groups 2 and 0 -> top-2 of {4, 0.5, 3, 0}.
// TOPK: result2 = [4, 3]
// TOPK: result3 = [4, 0]
func.func @topk_known() -> (tensor<2x3xf64>, tensor<2x3xi64>, tensor<1x2xf64>, tensor<1x2xi64>) {
  %x = arith.constant dense<[[3.0, 0.0, 2.0, 1.0, 4.0], [1.0, 5.0, 5.0, 2.0, 0.0]]> : tensor<2x5xf64>
  %v, %i = cascade.topk %x k(3) : tensor<2x5xf64> -> tensor<2x3xf64>, tensor<2x3xi64>
  %g = arith.constant dense<[[3.0, 0.0, 2.0, 1.0, 4.0, 0.5]]> : tensor<1x6xf64>
  %gv, %gi = cascade.topk %g k(2) groups(3, 2) : tensor<1x6xf64> -> tensor<1x2xf64>, tensor<1x2xi64>
  return %v, %i, %gv, %gi : tensor<2x3xf64>, tensor<2x3xi64>, tensor<1x2xf64>, tensor<1x2xi64>
}

// Slots 0..5 with keys 2 0 0 1 2 2; capacity 2 drops slot 5.
// PERMUTE: result0 = [1, 2, 3, 0, 4, 5]
// PERMUTE: result1 = [0, 2, 3, 6]
// PERMUTE: result2 = [1, 2, 3, 0, 4, -1]
// PERMUTE: result3 = [0, 2, 3, 5]
// An expert with no token: empty segment.
// PERMUTE: result4 = [0, 1, 1, 2]
func.func @permute_known() -> (tensor<6xi64>, tensor<4xi64>, tensor<6xi64>, tensor<4xi64>, tensor<4xi64>) {
  %keys = arith.constant dense<[[2, 0], [0, 1], [2, 2]]> : tensor<3x2xi64>
  %p, %o = cascade.permute %keys groups(3) : tensor<3x2xi64> -> tensor<6xi64>, tensor<4xi64>
  %pc, %oc = cascade.permute %keys groups(3) capacity(2) : tensor<3x2xi64> -> tensor<6xi64>, tensor<4xi64>
  %sparse = arith.constant dense<[2, 0]> : tensor<2xi64>
  %ps, %os = cascade.permute %sparse groups(3) : tensor<2xi64> -> tensor<2xi64>, tensor<4xi64>
  return %p, %o, %pc, %oc, %os : tensor<6xi64>, tensor<4xi64>, tensor<6xi64>, tensor<4xi64>, tensor<4xi64>
}

// gather: index 5 / 2 = row 2, -1 = zeros, 0 = row 0.
// GS: result0 = [5, 6, 0, 0, 1, 2]
// scatter: rows 0 and 2/2 = 1 get 0.5 * 1 and 2 * 2; index -1 is skipped.
// GS: result1 = [0.5, 4]
func.func @gather_scatter() -> (tensor<3x2xf64>, tensor<2x1xf64>) {
  %src = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf64>
  %idx = arith.constant dense<[5, -1, 0]> : tensor<3xi64>
  %g = cascade.gather %src[%idx] divisor(2) : tensor<3x2xf64>, tensor<3xi64> -> tensor<3x2xf64>
  %rows = arith.constant dense<[[1.0], [2.0], [3.0]]> : tensor<3x1xf64>
  %sidx = arith.constant dense<[0, 2, -1]> : tensor<3xi64>
  %w = arith.constant dense<[0.5, 2.0, 9.0]> : tensor<3xf64>
  %s = cascade.scatter %rows[%sidx] weights(%w : tensor<3xf64>) divisor(2) : tensor<3x1xf64>, tensor<3xi64> -> tensor<2x1xf64>
  return %g, %s : tensor<3x2xf64>, tensor<2x1xf64>
}

// Row 0 uses group 0 (x10), rows 1-2 group 1 (x100), row 3 no group (0).
// GROUPED: result0 = [10, 200, 300, 0]
func.func @grouped() -> tensor<4x1xf64> {
  %x = arith.constant dense<[[1.0], [2.0], [3.0], [4.0]]> : tensor<4x1xf64>
  %w = arith.constant dense<[[[10.0]], [[100.0]]]> : tensor<2x1x1xf64>
  %off = arith.constant dense<[0, 1, 3]> : tensor<3xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<4x1xf64>, tensor<2x1x1xf64>) offsets(%off : tensor<3xi64>) -> tensor<4x1xf64>
  return %y : tensor<4x1xf64>
}

// Masks applied to ones with fill 0 print their patterns, row by row.
// MASKS: result0 = [1, 0, 0, 1, 1, 0, 1, 1, 1]
// MASKS: result1 = [1, 1, 1, 0, 1, 1, 1, 1]
// MASKS: result2 = [1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1]
// MASKS: result3 = [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1]
// 1-D neighborhood, 6 cells, kernel 3: windows shift inward at the borders.
// MASKS: result4 = [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]
// Dilation 2, kernel 2: cell x sees its 2 nearest cells of parity x.
// MASKS: result5 = [1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1]
// Dynamic blocks of [1, 2]: query 0 -> key block 1, query 1 -> none (-1).
// MASKS: result6 = [0, 0, 1, 1, 0, 0, 0, 0]
// Document ids q = [0, 1], k = [1, 0, 1, 1].
// MASKS: result7 = [0, 1, 0, 0, 1, 0, 1, 1]
func.func @mask_patterns() -> (tensor<3x3xf64>, tensor<2x4xf64>, tensor<4x4xf64>, tensor<4x4xf64>, tensor<6x6xf64>, tensor<6x6xf64>, tensor<2x4xf64>, tensor<2x4xf64>) {
  %a = arith.constant dense<1.0> : tensor<3x3xf64>
  %b = arith.constant dense<1.0> : tensor<2x4xf64>
  %c = arith.constant dense<1.0> : tensor<4x4xf64>
  %d = arith.constant dense<1.0> : tensor<6x6xf64>
  %0 = cascade.einsum "pm->pm" ins(%a : tensor<3x3xf64>) mask(#cascade.causal on "p", "m") fill(0.0) -> tensor<3x3xf64>
  %1 = cascade.einsum "pm->pm" ins(%b : tensor<2x4xf64>) mask(#cascade.causal<bottom_right> on "p", "m") fill(0.0) -> tensor<2x4xf64>
  %2 = cascade.einsum "pm->pm" ins(%c : tensor<4x4xf64>) mask(#cascade.sliding_window<left = 1, right = 0> on "p", "m") fill(0.0) -> tensor<4x4xf64>
  %3 = cascade.einsum "pm->pm" ins(%c : tensor<4x4xf64>) mask(#cascade.prefix_lm<prefix = 2> on "p", "m") fill(0.0) -> tensor<4x4xf64>
  %4 = cascade.einsum "pm->pm" ins(%d : tensor<6x6xf64>) mask(#cascade.neighborhood<grid = [6], kernel = [3], dilation = [1]> on "p", "m") fill(0.0) -> tensor<6x6xf64>
  %5 = cascade.einsum "pm->pm" ins(%d : tensor<6x6xf64>) mask(#cascade.neighborhood<grid = [6], kernel = [2], dilation = [2]> on "p", "m") fill(0.0) -> tensor<6x6xf64>
  %blocks = arith.constant dense<[[1], [-1]]> : tensor<2x1xi64>
  %6 = cascade.einsum "pm->pm" ins(%b : tensor<2x4xf64>) mask(#cascade.dynamic_block_sparse<block = [1, 2]> on "p", "m") mask_args(%blocks : tensor<2x1xi64>) fill(0.0) -> tensor<2x4xf64>
  %qs = arith.constant dense<[0, 1]> : tensor<2xi32>
  %ks = arith.constant dense<[1, 0, 1, 1]> : tensor<4xi32>
  %7 = cascade.einsum "pm->pm" ins(%b : tensor<2x4xf64>) mask(#cascade.document on "p", "m") mask_args(%qs, %ks : tensor<2xi32>, tensor<4xi32>) fill(0.0) -> tensor<2x4xf64>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<3x3xf64>, tensor<2x4xf64>, tensor<4x4xf64>, tensor<4x4xf64>, tensor<6x6xf64>, tensor<6x6xf64>, tensor<2x4xf64>, tensor<2x4xf64>
}

// Query 1's segment (9) has no key: its output is 0 and its lse -inf, both
// for the composite and for the decomposed cascade.
// EMPTY: result0 = [4, 5, 0, 0]
// EMPTY: result1 = [0, -inf]
func.func @fully_masked() -> (tensor<1x1x2x2xf64>, tensor<1x1x2xf64>) {
  %q = arith.constant dense<1.0> : tensor<1x1x2x2xf64>
  %k = arith.constant dense<0.0> : tensor<1x1x1x2xf64>
  %v = arith.constant dense<[[[[4.0, 5.0]]]]> : tensor<1x1x1x2xf64>
  %qs = arith.constant dense<[0, 9]> : tensor<2xi32>
  %ks = arith.constant dense<[0]> : tensor<1xi32>
  %o, %l = cascade.attention %q, %k, %v mask(#cascade.document) mask_args(%qs, %ks : tensor<2xi32>, tensor<1xi32>) : tensor<1x1x2x2xf64>, tensor<1x1x1x2xf64>, tensor<1x1x1x2xf64> -> tensor<1x1x2x2xf64>, tensor<1x1x2xf64>
  return %o, %l : tensor<1x1x2x2xf64>, tensor<1x1x2xf64>
}

// One head: slope 2^-8. Query 1 sees key 0 at logit -1/256 and key 1 at 0:
// weight of key 0 = e^(-1/256) / (1 + e^(-1/256)) = 0.499023439.
// ALIBI: result0 = [1, 0.499023439]
func.func @alibi_two_keys() -> tensor<1x1x2x1xf64> {
  %q = arith.constant dense<0.0> : tensor<1x1x2x1xf64>
  %k = arith.constant dense<0.0> : tensor<1x1x2x1xf64>
  %v = arith.constant dense<[[[[1.0], [0.0]]]]> : tensor<1x1x2x1xf64>
  %o = cascade.attention %q, %k, %v mask(#cascade.causal) {alibi} : tensor<1x1x2x1xf64>, tensor<1x1x2x1xf64>, tensor<1x1x2x1xf64> -> tensor<1x1x2x1xf64>
  return %o : tensor<1x1x2x1xf64>
}

// Logits [2, -2] pick expert 0 with weight 1 (top-1 then softmax):
// 3 * gelu(2) = 3 * 2 * Phi(2) = 5.86349921.
// MOE: result0 = [5.86349921]
func.func @moe_single_expert() -> tensor<1x1xf64> {
  %x = arith.constant dense<[[2.0]]> : tensor<1x1xf64>
  %wr = arith.constant dense<[[1.0, -1.0]]> : tensor<1x2xf64>
  %up = arith.constant dense<[[[1.0]], [[50.0]]]> : tensor<2x1x1xf64>
  %down = arith.constant dense<[[[3.0]], [[70.0]]]> : tensor<2x1x1xf64>
  %y = cascade.moe %x router(topk_softmax %wr : tensor<1x2xf64>) k(1) experts(gelu %up, %down : tensor<2x1x1xf64>, tensor<2x1x1xf64>) : tensor<1x1xf64> -> tensor<1x1xf64>
  return %y : tensor<1x1xf64>
}

// cascade.coord reads point coordinates: value = 10 * p + m.
// COORDS: result0 = [0, 1, 2, 10, 11, 12]
func.func @coords() -> tensor<2x3xf64> {
  %z = arith.constant dense<0.0> : tensor<2x3xf64>
  %r = cascade.einsum "pm->pm" ins(%z : tensor<2x3xf64>) {
  ^bb0(%a: f64):
    %p = cascade.coord "p" : index
    %m = cascade.coord "m" : index
    %pi = arith.index_cast %p : index to i64
    %mi = arith.index_cast %m : index to i64
    %pf = arith.sitofp %pi : i64 to f64
    %mf = arith.sitofp %mi : i64 to f64
    %ten = arith.constant 10.0 : f64
    %t = arith.mulf %pf, %ten : f64
    %s = arith.addf %t, %mf : f64
    %r = arith.addf %s, %a : f64
    cascade.yield %r : f64
  } -> tensor<2x3xf64>
  return %r : tensor<2x3xf64>
}

// Iterative ranks: running max from -inf and a decayed running sum
// s[n+1] = 0.5 * s[n] + x[n] over two independent rows.
// SCAN: result0 = [-inf, 3, 3, 5, 5, -inf, -1, 2, 2, 4]
// SCAN: result1 = [1, 1.5, 1.75, 1.875, 2.9375, 0, 3, 1.5, 0.75, 0.375]
func.func @scans() -> (tensor<2x5xf64>, tensor<2x5xf64>) {
  %x = arith.constant dense<[[3.0, 1.0, 5.0, 2.0], [-1.0, 2.0, 0.0, 4.0]]> : tensor<2x4xf64>
  %ninf = arith.constant dense<0xFFF0000000000000> : tensor<2xf64>
  %rm = cascade.einsum "pn->pn" ins(%x : tensor<2x4xf64>) iterate("n" init %ninf : tensor<2xf64>) {
  ^bb0(%prev: f64, %a: f64):
    %m = arith.maximumf %prev, %a : f64
    cascade.yield %m : f64
  } -> tensor<2x5xf64>
  %y = arith.constant dense<[[1.0, 1.0, 1.0, 2.0], [3.0, 0.0, 0.0, 0.0]]> : tensor<2x4xf64>
  %init = arith.constant dense<[1.0, 0.0]> : tensor<2xf64>
  %rs = cascade.einsum "pn->pn" ins(%y : tensor<2x4xf64>) iterate("n" init %init : tensor<2xf64>) {
  ^bb0(%prev: f64, %a: f64):
    %half = arith.constant 0.5 : f64
    %d = arith.mulf %prev, %half : f64
    %r = arith.addf %d, %a : f64
    cascade.yield %r : f64
  } -> tensor<2x5xf64>
  return %rm, %rs : tensor<2x5xf64>, tensor<2x5xf64>
}

// A key rank of 5 partitioned into 2 x 3 (one pad slot): bottom-right
// causal (k <= q + 2) on key = n * 3 + m with logical extent 5; the pad
// slot (n = 1, m = 2) is always masked.
// PART: result0 = [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0]
func.func @partitioned_mask() -> tensor<3x2x3xf64> {
  %ones = arith.constant dense<1.0> : tensor<3x2x3xf64>
  %0 = cascade.einsum "pnm->pnm" ins(%ones : tensor<3x2x3xf64>) mask(#cascade.causal<bottom_right> on "p", "nm") mask_extent([3, 5]) fill(0.0) -> tensor<3x2x3xf64>
  return %0 : tensor<3x2x3xf64>
}

// tensor.pad to a multiple of the block, tensor.extract_slice back.
// PAD: result0 = [0, 1, 2, 3, 4, 0, 9, 9, 9, 9, 9, 9]
// PAD: result1 = [2, 3, 4]
func.func @pad_slice() -> (tensor<2x6xf64>, tensor<3xf64>) {
  %x = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0]]> : tensor<1x5xf64>
  %zero = arith.constant 0.0 : f64
  %nine = arith.constant 9.0 : f64
  %p = tensor.pad %x low[0, 0] high[0, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f64
  } : tensor<1x5xf64> to tensor<1x6xf64>
  %q = tensor.pad %p low[0, 0] high[1, 0] {
  ^bb0(%i: index, %j: index):
    tensor.yield %nine : f64
  } : tensor<1x6xf64> to tensor<2x6xf64>
  %s = tensor.extract_slice %x[0, 2] [1, 3] [1, 1] : tensor<1x5xf64> to tensor<3xf64>
  return %q, %s : tensor<2x6xf64>, tensor<3xf64>
}

// The numerics contract (docs/numerics.md) on three rows of one head:
// row 0 has a -inf bias on key 1 (masked like a mask: the output is V[0]);
// row 1 has a +inf logit (NaN, as in PyTorch); row 2 reads a NaN bias (NaN).
// SPECIAL: result0 = [1, nan, nan]
// SPECIAL: result1 = [0, nan, nan]
func.func @special_logits() -> (tensor<1x1x3x1xf64>, tensor<1x1x3xf64>) {
  %q = arith.constant dense<0.0> : tensor<1x1x3x1xf64>
  %k = arith.constant dense<0.0> : tensor<1x1x3x1xf64>
  %v = arith.constant dense<[[[[1.0], [5.0], [7.0]]]]> : tensor<1x1x3x1xf64>
  %b = arith.constant dense<[[0.0, 0xFFF0000000000000, 0xFFF0000000000000], [0.0, 0x7FF0000000000000, 0.0], [0.0, 0x7FF8000000000000, 0.0]]> : tensor<3x3xf64>
  %o, %l = cascade.attention %q, %k, %v bias(%b : tensor<3x3xf64>) : tensor<1x1x3x1xf64>, tensor<1x1x3x1xf64>, tensor<1x1x3x1xf64> -> tensor<1x1x3x1xf64>, tensor<1x1x3xf64>
  return %o, %l : tensor<1x1x3x1xf64>, tensor<1x1x3xf64>
}
