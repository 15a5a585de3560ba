// RUN: cascade-opt %s --cascade-online-softmax=block-size=8 | FileCheck %s
// RUN: cascade-opt %s --cascade-online-softmax=block-size=8 --cascade-count-passes -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=PASSES
// RUN: cascade-opt %s --cascade-online-softmax=block-size=8 -o %t.mlir
// RUN: %compare-reference %s %t.mlir %seed 1e-12 1e-10 three_pass padded_with_lse
// The bf16 weights of bf16_values: within the bf16 bound of docs/numerics.md.
// RUN: %compare-reference %s %t.mlir %seed 2e-2 2e-2 bf16_values
// RUN: cascade-opt %s --cascade-online-softmax="block-size=4 splits=3" | FileCheck %s --check-prefix=SPLIT
// splits=0: split-KV (4 scans) for a decode step only.
// RUN: cascade-opt %s --cascade-online-softmax="block-size=4 splits=0" -o %t.auto.mlir
// RUN: FileCheck %s --check-prefix=AUTO --input-file=%t.auto.mlir
// RUN: %compare-reference %s %t.auto.mlir %seed 1e-12 1e-10 three_pass decode_step
// RUN: not cascade-opt %s --cascade-online-softmax="splits=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: splits must be >= 0, got -1
// RUN: not cascade-opt %s --cascade-online-softmax="block-size=0" 2>&1 | FileCheck %s --check-prefix=ZEROBLOCK
// ZEROBLOCK: block-size must be >= 1, got 0
// AUTO-LABEL: func @three_pass
// AUTO: tensor.expand_shape %{{.*}} output_shape [8, 4, 16] : tensor<32x16xf64> into tensor<8x4x16xf64>
// AUTO-LABEL: func @decode_step
// AUTO: tensor.expand_shape %{{.*}} output_shape [4, 8, 16] : tensor<32x16xf64> into tensor<4x8x16xf64>
// AUTO: tensor.expand_shape %{{.*}} output_shape [4, 2, 4, 16] : tensor<4x8x16xf64> into tensor<4x2x4x16xf64>

// The textbook 3-pass cascade over 32 keys, in blocks of 8: scores and
// values are partitioned (K's producer einsum is rebuilt over the blocked
// keys), and the row max, row sum and numerator run along the iterative
// rank n.
// CHECK-LABEL: func @three_pass
// CHECK-SAME: (%[[Q:.*]]: tensor<8x16xf64>, %[[K:.*]]: tensor<32x16xf64>, %[[V:.*]]: tensor<32x4xf64>)
// CHECK: %[[KB:.*]] = tensor.expand_shape %[[K]] {{\[\[}}0, 1], [2]] output_shape [4, 8, 16]
// CHECK: %[[S:.*]] = cascade.einsum "pe,nme->pnm" ins(%[[Q]], %[[KB]] : {{.*}}) map(mul) reduce(add) -> tensor<8x4x8xf64>
// CHECK: %[[VB:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1], [2]] output_shape [4, 8, 4]
// CHECK: %[[LM:.*]] = cascade.einsum "pnm->pn" ins(%[[S]] : {{.*}}) reduce(max) attributes {cascade.softmax_shift} -> tensor<8x4xf64>
// CHECK: %[[RM:.*]] = cascade.einsum "pn->pn" ins(%[[LM]] : {{.*}}) iterate("n" init %{{.*}} : tensor<8xf64>) {
// CHECK: arith.maximumf
// CHECK: } attributes {cascade.empty_block_identity} -> tensor<8x5xf64>
// CHECK: %[[BEFORE:.*]] = tensor.extract_slice %[[RM]][0, 0] [8, 4] [1, 1]
// CHECK: %[[AFTER:.*]] = tensor.extract_slice %[[RM]][0, 1] [8, 4] [1, 1]
// The row's max with -inf taken as 0 (its scores are all -inf), once per
// row: the exponent per score needs no guard, and its argument is at most 0.
// CHECK: %[[SHIFT:.*]] = cascade.einsum "pn->pn" ins(%[[AFTER]] : {{.*}}) {
// CHECK: arith.cmpf oeq
// CHECK: arith.select
// CHECK: %[[SLN:.*]] = cascade.einsum "pnm,pn->pnm" ins(%[[S]], %[[SHIFT]] : {{.*}}) {
// CHECK-NEXT: ^bb0(%[[X:.*]]: f64, %[[M:.*]]: f64):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[X]], %[[M]] : f64
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] {cascade.nonpositive_argument} : f64
// CHECK-NEXT: cascade.yield %[[E]] : f64
// CHECK: %[[PRM:.*]] = cascade.einsum "pn,pn->pn" ins(%[[BEFORE]], %[[AFTER]] : {{.*}}) {
// CHECK: %[[SLD:.*]] = cascade.einsum "pnm->pn" ins(%[[SLN]] : {{.*}}) reduce(add)
// CHECK: %[[RD:.*]] = cascade.einsum "pn,pn->pn" ins(%[[SLD]], %[[PRM]] : {{.*}}) iterate("n" init %{{.*}} : tensor<8xf64>) {
// CHECK: %[[SLNV:.*]] = cascade.einsum "pnm,nmf->pfn" ins(%[[SLN]], %[[VB]] : {{.*}}) map(mul) reduce(add) -> tensor<8x4x4xf64>
// CHECK: %[[RNV:.*]] = cascade.einsum "pfn,pn->pfn" ins(%[[SLNV]], %[[PRM]] : {{.*}}) iterate("n" init %{{.*}} : tensor<8x4xf64>) {
// CHECK: %[[NUM:.*]] = tensor.extract_slice %[[RNV]][0, 0, 4] [8, 4, 1] [1, 1, 1] : tensor<8x4x5xf64> to tensor<8x4xf64>
// CHECK: %[[DEN:.*]] = tensor.extract_slice %[[RD]][0, 4] [8, 1] [1, 1] : tensor<8x5xf64> to tensor<8xf64>
// CHECK: %[[AV:.*]] = cascade.einsum "pf,p->pf" ins(%[[NUM]], %[[DEN]] : {{.*}}) {
// CHECK: return %[[AV]]
// CHECK-NOT: reduce(max) -> tensor<8xf64>

// PASSES: rank 'm' (size 8, within blocks of argument #1 dimension 0): 2 passes
// PASSES: rank 'n' (size 4, blocks of argument #1 dimension 0): 1 pass
func.func @three_pass(%q: tensor<8x16xf64>, %k: tensor<32x16xf64>, %v: tensor<32x4xf64>) -> tensor<8x4xf64> {
  %qk = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<8x16xf64>, tensor<32x16xf64>) map(mul) reduce(add) -> tensor<8x32xf64>
  %gm = cascade.einsum "pm->p" ins(%qk : tensor<8x32xf64>) reduce(max) -> tensor<8xf64>
  %sn = cascade.einsum "pm,p->pm" ins(%qk, %gm : tensor<8x32xf64>, tensor<8xf64>) {
  ^bb0(%a: f64, %b: f64):
    %d = arith.subf %a, %b : f64
    %e = math.exp %d : f64
    cascade.yield %e : f64
  } -> tensor<8x32xf64>
  %sd = cascade.einsum "pm->p" ins(%sn : tensor<8x32xf64>) reduce(add) -> tensor<8xf64>
  %a = cascade.einsum "pm,p->pm" ins(%sn, %sd : tensor<8x32xf64>, tensor<8xf64>) map(div) -> tensor<8x32xf64>
  %av = cascade.einsum "pm,mf->pf" ins(%a, %v : tensor<8x32xf64>, tensor<32x4xf64>) map(mul) reduce(add) -> tensor<8x4xf64>
  return %av : tensor<8x4xf64>
}

// 13 keys in blocks of 8: keys and the causal mask are padded to 16; the
// mask keeps its logical extent and the padding is masked out. The
// log-sum-exp is rewritten too.
// CHECK-LABEL: func @padded_with_lse
// CHECK: tensor.pad %{{.*}} low[0, 0] high[3, 0]
// CHECK: mask(#cascade.causal<bottom_right> on "p", "nm") mask_extent([5, 13])
// CHECK: reduce(max) mask(#cascade.full on "p", "nm") mask_extent([5, 13])
// CHECK: mask(#cascade.full on "p", "nm") mask_extent([5, 13]) fill(0.000000e+00)
// CHECK: math.log
// CHECK-NOT: reduce(max) -> tensor<5xf64>
func.func @padded_with_lse(%q: tensor<5x16xf64>, %k: tensor<13x16xf64>, %v: tensor<13x4xf64>) -> (tensor<5x4xf64>, tensor<5xf64>) {
  %qk = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<5x16xf64>, tensor<13x16xf64>) map(mul) reduce(add) -> tensor<5x13xf64>
  %s = cascade.einsum "pm->pm" ins(%qk : tensor<5x13xf64>) mask(#cascade.causal<bottom_right> on "p", "m") -> tensor<5x13xf64>
  %gm = cascade.einsum "pm->p" ins(%s : tensor<5x13xf64>) reduce(max) -> tensor<5xf64>
  %sn = cascade.einsum "pm,p->pm" ins(%s, %gm : tensor<5x13xf64>, tensor<5xf64>) {
  ^bb0(%a: f64, %b: f64):
    %ninf = arith.constant 0xFFF0000000000000 : f64
    %zero = arith.constant 0.0 : f64
    %c = arith.cmpf oeq, %b, %ninf : f64
    %d = arith.subf %a, %b : f64
    %e = math.exp %d : f64
    %r = arith.select %c, %zero, %e : f64
    cascade.yield %r : f64
  } -> tensor<5x13xf64>
  %sd = cascade.einsum "pm->p" ins(%sn : tensor<5x13xf64>) reduce(add) -> tensor<5xf64>
  %probs = cascade.einsum "pm,p->pm" ins(%sn, %sd : tensor<5x13xf64>, tensor<5xf64>) map(div) -> tensor<5x13xf64>
  %av = cascade.einsum "pm,mf->pf" ins(%probs, %v : tensor<5x13xf64>, tensor<13x4xf64>) map(mul) reduce(add) -> tensor<5x4xf64>
  %lse = cascade.einsum "p,p->p" ins(%gm, %sd : tensor<5xf64>, tensor<5xf64>) {
  ^bb0(%a: f64, %b: f64):
    %l = math.log %b : f64
    %r = arith.addf %a, %l : f64
    cascade.yield %r : f64
  } -> tensor<5xf64>
  return %av, %lse : tensor<5x4xf64>, tensor<5xf64>
}

// Not a softmax (the row sum is not the denominator): left alone.
// CHECK-LABEL: func @not_a_softmax
// CHECK: reduce(max) -> tensor<8xf64>
// CHECK-NOT: iterate
func.func @not_a_softmax(%s: tensor<8x32xf64>, %v: tensor<32x4xf64>, %other: tensor<8xf64>) -> tensor<8x4xf64> {
  %gm = cascade.einsum "pm->p" ins(%s : tensor<8x32xf64>) reduce(max) -> tensor<8xf64>
  %sn = cascade.einsum "pm,p->pm" ins(%s, %gm : tensor<8x32xf64>, tensor<8xf64>) {
  ^bb0(%a: f64, %b: f64):
    %d = arith.subf %a, %b : f64
    %e = math.exp %d : f64
    cascade.yield %e : f64
  } -> tensor<8x32xf64>
  %a = cascade.einsum "pm,p->pm" ins(%sn, %other : tensor<8x32xf64>, tensor<8xf64>) map(div) -> tensor<8x32xf64>
  %av = cascade.einsum "pm,mf->pf" ins(%a, %v : tensor<8x32xf64>, tensor<32x4xf64>) map(mul) reduce(add) -> tensor<8x4xf64>
  return %av : tensor<8x4xf64>
}

// Split-KV: 32 keys in blocks of 4 dealt to 3 scans of 3 blocks (36 slots,
// 4 of them padding); a parallel rank N in front of the iterative rank n,
// then the combine through the per-scan maxima.
// SPLIT-LABEL: func @three_pass
// SPLIT: tensor.pad %{{.*}} low[0, 0] high[4, 0]
// SPLIT: cascade.einsum "pe,{{[a-zA-Z][a-zA-Z]}}me->p{{[a-zA-Z][a-zA-Z]}}m" {{.*}} -> tensor<8x3x3x4xf64>
// SPLIT: cascade.einsum "pNnm->pNn" {{.*}} reduce(max) mask(#cascade.full on "p", "Nnm") mask_extent([8, 32])
// SPLIT: iterate("n" init %{{.*}} : tensor<8x3xf64>)
// SPLIT: } -> tensor<8x3x4xf64>
// SPLIT: cascade.einsum "pN->p" {{.*}} reduce(max) -> tensor<8xf64>
// SPLIT: cascade.einsum "pN,p->pN"
// SPLIT: math.exp
// SPLIT: cascade.einsum "pN,pN->p" {{.*}} map(mul) reduce(add) -> tensor<8xf64>
// SPLIT: cascade.einsum "pfN,pN->pf" {{.*}} map(mul) reduce(add) -> tensor<8x4xf64>

// One query against 32 keys: with splits=0, 4 scans of 2 blocks of 4; one
// scan by default.
// CHECK-LABEL: func @decode_step
// CHECK: tensor.expand_shape %{{.*}} output_shape [4, 8, 16] : tensor<32x16xf64> into tensor<4x8x16xf64>
// CHECK: iterate("n"
func.func @decode_step(%q: tensor<1x16xf64>, %k: tensor<32x16xf64>, %v: tensor<32x4xf64>) -> tensor<1x4xf64> {
  %qk = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<1x16xf64>, tensor<32x16xf64>) map(mul) reduce(add) -> tensor<1x32xf64>
  %gm = cascade.einsum "pm->p" ins(%qk : tensor<1x32xf64>) reduce(max) -> tensor<1xf64>
  %sn = cascade.einsum "pm,p->pm" ins(%qk, %gm : tensor<1x32xf64>, tensor<1xf64>) {
  ^bb0(%a: f64, %b: f64):
    %d = arith.subf %a, %b : f64
    %e = math.exp %d : f64
    cascade.yield %e : f64
  } -> tensor<1x32xf64>
  %sd = cascade.einsum "pm->p" ins(%sn : tensor<1x32xf64>) reduce(add) -> tensor<1xf64>
  %a = cascade.einsum "pm,p->pm" ins(%sn, %sd : tensor<1x32xf64>, tensor<1xf64>) map(div) -> tensor<1x32xf64>
  %av = cascade.einsum "pm,mf->pf" ins(%a, %v : tensor<1x32xf64>, tensor<32x4xf64>) map(mul) reduce(add) -> tensor<1x4xf64>
  return %av : tensor<1x4xf64>
}

// bf16 values: each block's weights are rounded to bf16 for the product with
// the values (bf16 x bf16, as FlashAttention's and PyTorch's bf16 kernels
// do); the running sum takes them unrounded.
// CHECK-LABEL: func @bf16_values
// CHECK: %[[W:.*]] = cascade.einsum "pnm,pn->pnm"
// CHECK: math.exp
// CHECK: cascade.einsum "pnm->pn" ins(%[[W]] : tensor<8x4x8xf32>) reduce(add)
// CHECK: %[[R:.*]] = cascade.einsum "pnm->pnm" ins(%[[W]] : tensor<8x4x8xf32>) -> tensor<8x4x8xbf16>
// CHECK: cascade.einsum "pnm,nmf->pfn" ins(%[[R]], %{{.*}} : tensor<8x4x8xbf16>, tensor<4x8x4xbf16>) map(mul) reduce(add) -> tensor<8x4x4xf32>
func.func @bf16_values(%q: tensor<8x16xf32>, %k: tensor<32x16xf32>, %v: tensor<32x4xbf16>) -> tensor<8x4xf32> {
  %qk = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<8x16xf32>, tensor<32x16xf32>) map(mul) reduce(add) -> tensor<8x32xf32>
  %gm = cascade.einsum "pm->p" ins(%qk : tensor<8x32xf32>) reduce(max) -> tensor<8xf32>
  %sn = cascade.einsum "pm,p->pm" ins(%qk, %gm : tensor<8x32xf32>, tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    cascade.yield %e : f32
  } -> tensor<8x32xf32>
  %sd = cascade.einsum "pm->p" ins(%sn : tensor<8x32xf32>) reduce(add) -> tensor<8xf32>
  %a = cascade.einsum "pm,p->pm" ins(%sn, %sd : tensor<8x32xf32>, tensor<8xf32>) map(div) -> tensor<8x32xf32>
  %av = cascade.einsum "pm,mf->pf" ins(%a, %v : tensor<8x32xf32>, tensor<32x4xbf16>) map(mul) reduce(add) -> tensor<8x4xf32>
  return %av : tensor<8x4xf32>
}
