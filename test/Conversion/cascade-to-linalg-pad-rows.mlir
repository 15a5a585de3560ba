// RUN: cascade-opt %s --cascade-convert-to-linalg="microkernels pad-column-major-rows" --split-input-file | FileCheck %s
// RUN: cascade-opt %s --cascade-convert-to-linalg=microkernels --split-input-file | FileCheck %s --check-prefix=OFF
// Without microkernels the products are generics, whose operands are read
// where they lie: the option alone pads nothing.
// RUN: cascade-opt %s --cascade-convert-to-linalg=pad-column-major-rows --split-input-file | FileCheck %s --check-prefix=ALONE

// P.V with P keys-first (the microkernel's A read column-major): P's rows of
// 128 floats (8 cache lines) are allocated 144 long (9 lines), and the
// generic that computes P writes the first 128 of each.
// CHECK-LABEL: func.func @keys_first_probabilities
// CHECK: %[[WHOLE:.*]] = tensor.empty() : tensor<128x144xf32>
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %[[WHOLE]][0, 0] [128, 128] [1, 1] : tensor<128x144xf32> to tensor<128x128xf32>
// CHECK: %[[P:.*]] = linalg.generic {{.*}} outs(%[[SLICE]] : tensor<128x128xf32>)
// CHECK: %[[A:.*]] = bufferization.to_buffer %[[P]] read_only
// CHECK: call @cascade_rt_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c1_i64, %c0_i64)
// OFF-LABEL: func.func @keys_first_probabilities
// OFF-NOT: x144xf32
// OFF-NOT: tensor.extract_slice
// OFF: call @cascade_rt_matmul_f32
// ALONE-LABEL: func.func @keys_first_probabilities
// ALONE-NOT: x144xf32
// ALONE-NOT: tensor.extract_slice
// ALONE-NOT: call @cascade_rt_matmul
// ALONE: linalg.generic
func.func @keys_first_probabilities(%s: tensor<128x128xf32>, %m: tensor<128x128xf32>, %v: tensor<128x128xf32>) -> tensor<128x128xf32> {
  %p = cascade.einsum "kq,kq->kq" ins(%s, %m : tensor<128x128xf32>, tensor<128x128xf32>) map(sub) -> tensor<128x128xf32>
  %o = cascade.einsum "kq,kd->qd" ins(%p, %v : tensor<128x128xf32>, tensor<128x128xf32>) map(mul) reduce(add) -> tensor<128x128xf32>
  return %o : tensor<128x128xf32>
}

// -----

// Unit dimensions around the tile (an attention step's): the last dimension
// is padded, 256 floats (16 lines) to 272.
// CHECK-LABEL: func.func @with_unit_dims
// CHECK: tensor.empty() : tensor<1x1x64x1x272xf32>
// CHECK: tensor.extract_slice {{.*}}[0, 0, 0, 0, 0] [1, 1, 64, 1, 256] [1, 1, 1, 1, 1]
func.func @with_unit_dims(%s: tensor<1x1x64x1x256xf32>, %m: tensor<1x1x64x1x256xf32>, %v: tensor<1x1x1x64x80xf32>) -> tensor<1x1x256x80xf32> {
  %p = cascade.einsum "bhkuq,bhkuq->bhkuq" ins(%s, %m : tensor<1x1x64x1x256xf32>, tensor<1x1x64x1x256xf32>) map(sub) -> tensor<1x1x64x1x256xf32>
  %o = cascade.einsum "bhkuq,bhukd->bhqd" ins(%p, %v : tensor<1x1x64x1x256xf32>, tensor<1x1x1x64x80xf32>) map(mul) reduce(add) -> tensor<1x1x256x80xf32>
  return %o : tensor<1x1x256x80xf32>
}

// -----

// Rows that already span an odd number of lines (80 floats: 5), rows
// shorter than 4 lines (32 floats), and P read row-major (queries first,
// its rows are read whole) keep their length.
// CHECK-LABEL: func.func @odd_lines
// CHECK-NOT: tensor.extract_slice
// CHECK: call @cascade_rt_matmul_f32
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT: tensor.extract_slice
// CHECK: call @cascade_rt_matmul_f32
// CHECK-LABEL: func.func @queries_first
// CHECK-NOT: tensor.extract_slice
// CHECK: call @cascade_rt_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64)
func.func @odd_lines(%s: tensor<128x80xf32>, %m: tensor<128x80xf32>, %v: tensor<128x64xf32>) -> tensor<80x64xf32> {
  %p = cascade.einsum "kq,kq->kq" ins(%s, %m : tensor<128x80xf32>, tensor<128x80xf32>) map(sub) -> tensor<128x80xf32>
  %o = cascade.einsum "kq,kd->qd" ins(%p, %v : tensor<128x80xf32>, tensor<128x64xf32>) map(mul) reduce(add) -> tensor<80x64xf32>
  return %o : tensor<80x64xf32>
}
func.func @short_rows(%s: tensor<128x32xf32>, %m: tensor<128x32xf32>, %v: tensor<128x64xf32>) -> tensor<32x64xf32> {
  %p = cascade.einsum "kq,kq->kq" ins(%s, %m : tensor<128x32xf32>, tensor<128x32xf32>) map(sub) -> tensor<128x32xf32>
  %o = cascade.einsum "kq,kd->qd" ins(%p, %v : tensor<128x32xf32>, tensor<128x64xf32>) map(mul) reduce(add) -> tensor<32x64xf32>
  return %o : tensor<32x64xf32>
}
func.func @queries_first(%s: tensor<128x128xf32>, %m: tensor<128x128xf32>, %v: tensor<128x64xf32>) -> tensor<128x64xf32> {
  %p = cascade.einsum "qk,qk->qk" ins(%s, %m : tensor<128x128xf32>, tensor<128x128xf32>) map(sub) -> tensor<128x128xf32>
  %o = cascade.einsum "qk,kd->qd" ins(%p, %v : tensor<128x128xf32>, tensor<128x64xf32>) map(mul) reduce(add) -> tensor<128x64xf32>
  return %o : tensor<128x64xf32>
}
