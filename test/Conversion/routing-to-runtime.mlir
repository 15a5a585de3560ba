// RUN: cascade-opt %s --cascade-convert-routing-to-runtime --canonicalize -split-input-file -verify-diagnostics | FileCheck %s
// Numeric equivalence (the runtime's kernels against the reference):
// test/Target/CPU/numeric.test (every MoE of the suite).

// Operands flattened to 1-D buffers, results in fresh 1-D buffers reshaped
// back; one declaration per kernel and element types, with the C interface.
// CHECK-DAG: func.func private @cascade_rt_topk_f32_i64(memref<?xf32>, memref<?xf32>, memref<?xi64>, i64, i64, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @cascade_rt_gather_f32_i64(memref<?xf32>, memref<?xi64>, memref<?xf32>, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @cascade_rt_scatter_weighted_f32_i64(memref<?xf32>, memref<?xi64>, memref<?xf32>, memref<?xf32>, i64, i64) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @route
// CHECK-DAG: %[[ROW8:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[DIV2:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[ROW4:.*]] = arith.constant 4 : i64
// CHECK: %[[VALS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<12xf32>
// CHECK: %[[IDX:.*]] = memref.alloc() {alignment = 64 : i64} : memref<12xi64>
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<6x4xf32> into tensor<24xf32>
// CHECK: call @cascade_rt_topk_f32_i64({{.*}}, %[[ROW4]], %[[DIV2]],
// CHECK: bufferization.to_tensor %[[VALS]] restrict writable
// CHECK: tensor.expand_shape {{.*}} output_shape [6, 2]
// CHECK: call @cascade_rt_gather_f32_i64({{.*}}, %[[ROW8]], %[[DIV2]])
// CHECK: call @cascade_rt_scatter_weighted_f32_i64({{.*}}, %[[ROW8]], %[[DIV2]])
func.func @route(%logits: tensor<6x4xf32>, %x: tensor<6x8xf32>, %idx: tensor<12xi64>, %w: tensor<12xf32>, %y: tensor<12x8xf32>) -> (tensor<6x2xf32>, tensor<6x2xi64>, tensor<12x8xf32>, tensor<6x8xf32>) {
  %v, %i = cascade.topk %logits k(2) : tensor<6x4xf32> -> tensor<6x2xf32>, tensor<6x2xi64>
  %g = cascade.gather %x[%idx] divisor(2) : tensor<6x8xf32>, tensor<12xi64> -> tensor<12x8xf32>
  %s = cascade.scatter %y[%idx] weights(%w : tensor<12xf32>) divisor(2) : tensor<12x8xf32>, tensor<12xi64> -> tensor<6x8xf32>
  return %v, %i, %g, %s : tensor<6x2xf32>, tensor<6x2xi64>, tensor<12x8xf32>, tensor<6x8xf32>
}

// -----

// Unweighted scatter of integers (the slot scan of cascade-lower-routing).
// CHECK-LABEL: func.func @scatter_ids
// CHECK: call @cascade_rt_scatter_i64_i64(
func.func @scatter_ids(%ids: tensor<5xi64>, %pos: tensor<5xi64>) -> tensor<5xi64> {
  %s = cascade.scatter %ids[%pos] : tensor<5xi64>, tensor<5xi64> -> tensor<5xi64>
  return %s : tensor<5xi64>
}

// -----

func.func @permute_first(%keys: tensor<6xi64>) -> (tensor<6xi64>, tensor<5xi64>) {
  // expected-error @below {{could not lower this op (run cascade-lower-routing first)}}
  %p, %o = cascade.permute %keys groups(4) : tensor<6xi64> -> tensor<6xi64>, tensor<5xi64>
  return %p, %o : tensor<6xi64>, tensor<5xi64>
}

// -----

// A run-time index check reports the first bad entry, and its result is a
// copy with every entry forced into range: the work items still run to the
// end before the launch returns the error, and must not index out of bounds
// with the bad value.
// CHECK-LABEL: func.func @checked_offsets
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<3xi64>
// CHECK: %[[IN:.*]] = bufferization.to_buffer %arg0
// CHECK: call @cascade_rt_check_i64(%{{.*}}, %{{.*}}, %c0_i64, %c3_i64, %c0_i64, %c2_i64, %{{.*}}) : (memref<?xi64>, memref<?xi64>, i64, i64, i64, i64, memref<?xi8>) -> ()
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[R]]
func.func @checked_offsets(%off: tensor<3xi64>) -> tensor<3xi64> {
  %c = cascade.check_indices %off in [0, 3) nondecreasing what("offsets") : tensor<3xi64>
  return %c : tensor<3xi64>
}
