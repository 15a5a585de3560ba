// RUN: cascade-opt %s --cascade-convert-to-linalg=microkernels --split-input-file | FileCheck %s

// The Q.K^T tile of an attention program: K is used transposed. Operands are
// passed with their strides (a tile read in place from its input is a
// strided view), the product is a fresh contiguous buffer.
// CHECK: func.func private @cascade_rt_matmul_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32>, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @scores
// CHECK: %[[QC:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]]
// CHECK: %[[A:.*]] = bufferization.to_buffer %[[QC]] read_only : tensor<64x128xf32> to memref<64x128xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[KC:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1, 2, 3], [4]]
// CHECK: %[[B:.*]] = bufferization.to_buffer %[[KC]] read_only : tensor<32x128xf32> to memref<32x128xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[C:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64x32xf32>
// CHECK: %[[AD:.*]] = memref.cast %[[A]] : memref<64x128xf32, strided<[?, ?], offset: ?>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[BD:.*]] = memref.cast %[[B]]
// CHECK: %[[CD:.*]] = memref.cast %[[C]] : memref<64x32xf32> to memref<?x?xf32>
// CHECK: call @cascade_rt_matmul_f32(%[[AD]], %[[BD]], %[[CD]], %c0_i64, %c1_i64)
// CHECK: %[[P:.*]] = bufferization.to_tensor %[[C]] restrict writable
// CHECK: tensor.expand_shape %[[P]]
func.func @scores(%q: tensor<1x1x64x128xf32>, %k: tensor<1x1x1x32x128xf32>) -> tensor<1x1x64x1x32xf32> {
  %s = cascade.einsum "bhpd,bhnmd->bhpnm" ins(%q, %k : tensor<1x1x64x128xf32>, tensor<1x1x1x32x128xf32>) map(mul) reduce(add) -> tensor<1x1x64x1x32xf32>
  return %s : tensor<1x1x64x1x32xf32>
}

// -----

// P.V: neither operand transposed.
// CHECK-LABEL: func.func @weighted_values
// CHECK: call @cascade_rt_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64)
func.func @weighted_values(%p: tensor<64x32xf32>, %v: tensor<32x80xf32>) -> tensor<64x80xf32> {
  %o = cascade.einsum "pm,mf->pf" ins(%p, %v : tensor<64x32xf32>, tensor<32x80xf32>) map(mul) reduce(add) -> tensor<64x80xf32>
  return %o : tensor<64x80xf32>
}

// -----

// Only f32 has a microkernel: f64 stays a generic.
// CHECK-LABEL: func.func @f64_stays_generic
// CHECK-NOT: call @cascade_rt_matmul_f32
// CHECK: linalg.generic
func.func @f64_stays_generic(%p: tensor<64x32xf64>, %v: tensor<32x80xf64>) -> tensor<64x80xf64> {
  %o = cascade.einsum "pm,mf->pf" ins(%p, %v : tensor<64x32xf64>, tensor<32x80xf64>) map(mul) reduce(add) -> tensor<64x80xf64>
  return %o : tensor<64x80xf64>
}

// -----

// A decode step's 4 query heads against a block of keys: too few rows for
// the microkernel's blocks and panels, a generic; 8 rows take it.
// CHECK-LABEL: func.func @few_rows_stay_generic
// CHECK-NOT: call @cascade_rt_matmul
// CHECK: linalg.generic
// CHECK-LABEL: func.func @eight_rows
// CHECK: call @cascade_rt_matmul_f32
func.func @few_rows_stay_generic(%q: tensor<4x128xf32>, %k: tensor<64x128xf32>) -> tensor<4x64xf32> {
  %s = cascade.einsum "gd,md->gm" ins(%q, %k : tensor<4x128xf32>, tensor<64x128xf32>) map(mul) reduce(add) -> tensor<4x64xf32>
  return %s : tensor<4x64xf32>
}
func.func @eight_rows(%q: tensor<8x128xf32>, %k: tensor<64x128xf32>) -> tensor<8x64xf32> {
  %s = cascade.einsum "gd,md->gm" ins(%q, %k : tensor<8x128xf32>, tensor<64x128xf32>) map(mul) reduce(add) -> tensor<8x64xf32>
  return %s : tensor<8x64xf32>
}

// -----

// Rows of run-time size (an expert's segment of tokens in a grouped GEMM)
// take the microkernel; a run-time number of keys against 4 static rows
// (a decode step) does not.
// CHECK-LABEL: func.func @runtime_rows
// CHECK: call @cascade_rt_matmul_f32
// CHECK-LABEL: func.func @runtime_keys_few_rows
// CHECK-NOT: call @cascade_rt_matmul
// CHECK: linalg.generic
func.func @runtime_rows(%x: tensor<?x128xf32>, %w: tensor<128x256xf32>) -> tensor<?x256xf32> {
  %y = cascade.einsum "td,df->tf" ins(%x, %w : tensor<?x128xf32>, tensor<128x256xf32>) map(mul) reduce(add) -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}
func.func @runtime_keys_few_rows(%q: tensor<4x128xf32>, %k: tensor<?x128xf32>) -> tensor<4x?xf32> {
  %s = cascade.einsum "gd,md->gm" ins(%q, %k : tensor<4x128xf32>, tensor<?x128xf32>) map(mul) reduce(add) -> tensor<4x?xf32>
  return %s : tensor<4x?xf32>
}

// -----

// Epilogues done in the microkernel's registers: the scores' scale (a
// constant) becomes cascade_rt_matmul_scaled_f32's alpha, no pass of its own.
// CHECK-LABEL: func.func @scaled_scores
// CHECK: %[[ALPHA:.*]] = arith.constant 1.250000e-01 : f32
// CHECK: call @cascade_rt_matmul_scaled_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[ALPHA]], %c0_i64, %c1_i64)
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @scaled_scores(%q: tensor<64x128xf32>, %k: tensor<32x128xf32>) -> tensor<64x32xf32> {
  %s = cascade.einsum "pd,md->pm" ins(%q, %k : tensor<64x128xf32>, tensor<32x128xf32>) map(mul) reduce(add) -> tensor<64x32xf32>
  %t = cascade.einsum "pm->pm" ins(%s : tensor<64x32xf32>) {
  ^bb0(%x: f32):
    %c = arith.constant 0.125 : f32
    %y = arith.mulf %c, %x : f32
    cascade.yield %y : f32
  } -> tensor<64x32xf32>
  return %t : tensor<64x32xf32>
}

// -----

// The running numerator of an attention step, rescaled per row and added to
// P.V: cascade_rt_matmul_acc_f32(P, V, acc, alpha, out), acc and alpha
// collapsed to a matrix and a vector of the rows.
// CHECK-LABEL: func.func @rescaled_numerator
// CHECK-SAME: (%[[P:.*]]: tensor<1x64x32xf32>, %[[V:.*]]: tensor<1x32x80xf32>, %[[ACC:.*]]: tensor<1x64x80xf32>, %[[S:.*]]: tensor<1x64xf32>)
// CHECK: %[[ACCM:.*]] = tensor.collapse_shape %[[ACC]] {{\[}}[0, 1], [2]]
// CHECK: %[[ACCB:.*]] = bufferization.to_buffer %[[ACCM]] read_only : tensor<64x80xf32> to memref<64x80xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[SV:.*]] = tensor.collapse_shape %[[S]] {{\[}}[0, 1]]
// CHECK: %[[SB:.*]] = bufferization.to_buffer %[[SV]] read_only : tensor<64xf32> to memref<64xf32, strided<[?], offset: ?>>
// CHECK: call @cascade_rt_matmul_acc_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64)
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @rescaled_numerator(%p: tensor<1x64x32xf32>, %v: tensor<1x32x80xf32>, %acc: tensor<1x64x80xf32>, %s: tensor<1x64xf32>) -> tensor<1x64x80xf32> {
  %pv = cascade.einsum "bpm,bmf->bpf" ins(%p, %v : tensor<1x64x32xf32>, tensor<1x32x80xf32>) map(mul) reduce(add) -> tensor<1x64x80xf32>
  %o = cascade.einsum "bpf,bpf,bp->bpf" ins(%acc, %pv, %s : tensor<1x64x80xf32>, tensor<1x64x80xf32>, tensor<1x64xf32>) {
  ^bb0(%a: f32, %x: f32, %c: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %m, %x : f32
    cascade.yield %r : f32
  } -> tensor<1x64x80xf32>
  return %o : tensor<1x64x80xf32>
}

// -----

// Not epilogues: a product read twice (it must be stored), a scale per
// column (the microkernel scales rows), a scale that is not a constant.
// CHECK-LABEL: func.func @not_epilogues
// CHECK-COUNT-3: call @cascade_rt_matmul_f32(
// CHECK-NOT: call @cascade_rt_matmul_scaled_f32
// CHECK-NOT: call @cascade_rt_matmul_acc_f32
// CHECK: return
func.func @not_epilogues(%p: tensor<64x32xf32>, %v: tensor<32x80xf32>, %acc: tensor<64x80xf32>, %cols: tensor<80xf32>, %alpha: tensor<f32>) -> (tensor<64x80xf32>, tensor<64x80xf32>, tensor<64x80xf32>, tensor<64x80xf32>) {
  %pv = cascade.einsum "pm,mf->pf" ins(%p, %v : tensor<64x32xf32>, tensor<32x80xf32>) map(mul) reduce(add) -> tensor<64x80xf32>
  %twice = cascade.einsum "pf->pf" ins(%pv : tensor<64x80xf32>) {
  ^bb0(%x: f32):
    %c = arith.constant 2.0 : f32
    %y = arith.mulf %x, %c : f32
    cascade.yield %y : f32
  } -> tensor<64x80xf32>
  %pv2 = cascade.einsum "pm,mf->pf" ins(%p, %v : tensor<64x32xf32>, tensor<32x80xf32>) map(mul) reduce(add) -> tensor<64x80xf32>
  %percol = cascade.einsum "pf,pf,f->pf" ins(%acc, %pv2, %cols : tensor<64x80xf32>, tensor<64x80xf32>, tensor<80xf32>) {
  ^bb0(%a: f32, %x: f32, %c: f32):
    %m = arith.mulf %a, %c : f32
    %r = arith.addf %m, %x : f32
    cascade.yield %r : f32
  } -> tensor<64x80xf32>
  %pv3 = cascade.einsum "pm,mf->pf" ins(%p, %v : tensor<64x32xf32>, tensor<32x80xf32>) map(mul) reduce(add) -> tensor<64x80xf32>
  %byarg = cascade.einsum "pf,->pf" ins(%pv3, %alpha : tensor<64x80xf32>, tensor<f32>) {
  ^bb0(%x: f32, %a: f32):
    %y = arith.mulf %x, %a : f32
    cascade.yield %y : f32
  } -> tensor<64x80xf32>
  return %pv, %twice, %percol, %byarg : tensor<64x80xf32>, tensor<64x80xf32>, tensor<64x80xf32>, tensor<64x80xf32>
}

// -----

// A softmax's block max (cascade.softmax_shift) over the rows of the
// keys-first scores (max over the keys m, one per query p), scaled: the
// microkernel takes it from its registers (cascade_rt_matmul_scaled_colmax_*:
// C and its columns' max), no pass over the scores. The scores stay for
// their other reader.
// CHECK-LABEL: func.func @scores_with_block_max
// CHECK: %[[ALPHA:.*]] = arith.constant 1.250000e-01 : f32
// CHECK: %[[MAX:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK: %[[C:.*]] = memref.alloc() {alignment = 64 : i64} : memref<32x64xf32>
// CHECK: %[[MAXD:.*]] = memref.cast %[[MAX]] : memref<64xf32> to memref<?xf32>
// CHECK: call @cascade_rt_matmul_scaled_colmax_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[MAXD]], %[[ALPHA]], %c0_i64, %c1_i64)
// CHECK: %[[S:.*]] = bufferization.to_tensor %[[C]] restrict writable
// CHECK: %[[SE:.*]] = tensor.expand_shape %[[S]]
// CHECK: %[[M:.*]] = bufferization.to_tensor %[[MAX]] restrict writable : memref<64xf32> to tensor<64xf32>
// CHECK: %[[ME:.*]] = tensor.expand_shape %[[M]] {{\[}}[0, 1]] output_shape [1, 64] : tensor<64xf32> into tensor<1x64xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[SE]], %[[ME]]
func.func @scores_with_block_max(%k: tensor<1x32x128xf32>, %q: tensor<64x128xf32>) -> (tensor<1x32x64xf32>, tensor<1x64xf32>) {
  %s = cascade.einsum "bmd,pd->bmp" ins(%k, %q : tensor<1x32x128xf32>, tensor<64x128xf32>) map(mul) reduce(add) -> tensor<1x32x64xf32>
  %t = cascade.einsum "bmp->bmp" ins(%s : tensor<1x32x64xf32>) {
  ^bb0(%x: f32):
    %c = arith.constant 0.125 : f32
    %y = arith.mulf %c, %x : f32
    cascade.yield %y : f32
  } -> tensor<1x32x64xf32>
  %m = cascade.einsum "bmp->bp" ins(%t : tensor<1x32x64xf32>) reduce(max) attributes {cascade.softmax_shift} -> tensor<1x64xf32>
  return %t, %m : tensor<1x32x64xf32>, tensor<1x64xf32>
}

// -----

// Not taken by the microkernel: a max without cascade.softmax_shift (IEEE
// maximum, NaNs kept), a masked one, and one over the product's columns.
// The last two are generated loops with arith.maxnumf (the max of the
// non-NaN values), which need not keep NaNs either.
// CHECK-LABEL: func.func @block_max_not_fused
// CHECK-NOT: colmax
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: arith.maxnumf %[[ACC]], %[[X]] : f32
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X2:.*]]: f32, %[[ACC2:.*]]: f32):
// CHECK-NEXT: arith.maxnumf %[[ACC2]], %[[X2]] : f32
// CHECK-NOT: colmax
// CHECK: return
func.func @block_max_not_fused(%k: tensor<32x128xf32>, %q: tensor<64x128xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<32xf32>) {
  %s = cascade.einsum "md,pd->mp" ins(%k, %q : tensor<32x128xf32>, tensor<64x128xf32>) map(mul) reduce(add) -> tensor<32x64xf32>
  %plain = cascade.einsum "mp->p" ins(%s : tensor<32x64xf32>) reduce(max) -> tensor<64xf32>
  %masked = cascade.einsum "mp->p" ins(%s : tensor<32x64xf32>) reduce(max) mask(#cascade.causal on "p", "m") attributes {cascade.softmax_shift} -> tensor<64xf32>
  %rows = cascade.einsum "mp->m" ins(%s : tensor<32x64xf32>) reduce(max) attributes {cascade.softmax_shift} -> tensor<32xf32>
  return %plain, %masked, %rows : tensor<64xf32>, tensor<64xf32>, tensor<32xf32>
}
