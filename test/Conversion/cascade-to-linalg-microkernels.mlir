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
