// RUN: cascade-opt %s --cascade-fold-padded-tile-inputs --split-input-file | FileCheck %s
// Reference before == after (the folded program reads the pad value where
// the padded copy held it):
// RUN: cascade-run %s --entry block_sums --print | FileCheck %s --check-prefix=SUMS
// RUN: cascade-opt %s --cascade-fold-padded-tile-inputs | cascade-run - --entry block_sums --print | FileCheck %s --check-prefix=SUMS
// RUN: cascade-opt %s --cascade-fold-padded-tile-inputs | cascade-run - --target cpu --entry block_sums --print | FileCheck %s --check-prefix=SUMS
// RUN: cascade-run %s --entry block_sums_run_time --print | FileCheck %s --check-prefix=SUMS
// RUN: cascade-opt %s --cascade-fold-padded-tile-inputs | cascade-run - --entry block_sums_run_time --print | FileCheck %s --check-prefix=SUMS
// RUN: cascade-opt %s --cascade-fold-padded-tile-inputs | cascade-run - --target cpu --entry block_sums_run_time --print | FileCheck %s --check-prefix=SUMS

// 10 values padded with 0 to 3 blocks of 4: block sums 0+1+2+3, 4+..+7, 8+9.
// SUMS: result0 = [6, 22, 17]
// CHECK-LABEL: func.func @block_sums
// CHECK: %[[X:.*]] = arith.constant dense<[0.0{{.*}}, 9.0{{.*}}]> : tensor<10xf64>
// CHECK-NOT: tensor.pad
// CHECK: tile.program grid([3]) ins(%[[X]] : tensor<10xf64>)
// CHECK: ^bb0(%[[N:.*]]: index, %[[XB:.*]]: memref<10xf64>, %{{.*}}: memref<3xf64>):
// CHECK:   %[[ROW:.*]] = arith.muli %[[N]], %c4
// CHECK:   %[[FLAT:.*]] = tile.load %[[XB]][%[[ROW]]] pad(0.000000e+00) : memref<10xf64> -> tensor<4xf64>
// CHECK:   %[[T:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [1, 4] : tensor<4xf64> into tensor<1x4xf64>
// CHECK:   cascade.einsum "nm->n" ins(%[[T]]
func.func @block_sums() -> tensor<3xf64> {
  %x = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<10xf64>
  %zero = arith.constant 0.0 : f64
  %p = tensor.pad %x low[0] high[2] {
  ^bb0(%i: index):
    tensor.yield %zero : f64
  } : tensor<10xf64> to tensor<12xf64>
  %e = tensor.expand_shape %p [[0, 1]] output_shape [3, 4] : tensor<12xf64> into tensor<3x4xf64>
  %init = tensor.empty() : tensor<3xf64>
  %r = tile.program grid([3]) ins(%e : tensor<3x4xf64>) outs(%init : tensor<3xf64>) {
  ^bb0(%n: index, %E: memref<3x4xf64>, %Y: memref<3xf64>):
    %c0 = arith.constant 0 : index
    %t = tile.load %E[%n, %c0] : memref<3x4xf64> -> tensor<1x4xf64>
    %s = cascade.einsum "nm->n" ins(%t : tensor<1x4xf64>) reduce(add) -> tensor<1xf64>
    tile.store %s, %Y[%n] : tensor<1xf64> -> memref<3xf64>
  } -> tensor<3xf64>
  return %r : tensor<3xf64>
}

// -----

// The same with a run-time length: padded by a run-time amount into a
// run-time number of blocks. The blocks' static size is all the loads'
// offsets need; the run-time length is the unpadded buffer's own.
// CHECK-LABEL: func.func @block_sums_run_time
// CHECK: %[[XD:.*]] = tensor.cast
// CHECK-NOT: tensor.pad
// CHECK: tile.program grid([%{{.*}}]) ins(%[[XD]] : tensor<?xf64>)
// CHECK: ^bb0(%[[N:.*]]: index, %[[XB:.*]]: memref<?xf64>, %{{.*}}: memref<?xf64>):
// CHECK:   %[[ROW:.*]] = arith.muli %[[N]], %c4
// CHECK:   tile.load %[[XB]][%[[ROW]]] pad(0.000000e+00) : memref<?xf64> -> tensor<4xf64>
func.func @block_sums_run_time() -> tensor<3xf64> {
  %x = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<10xf64>
  %xd = tensor.cast %x : tensor<10xf64> to tensor<?xf64>
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f64
  %len = tensor.dim %xd, %c0 : tensor<?xf64>
  %nb = arith.ceildivui %len, %c4 : index
  %padded = arith.muli %nb, %c4 : index
  %high = arith.subi %padded, %len : index
  %p = tensor.pad %xd low[0] high[%high] {
  ^bb0(%i: index):
    tensor.yield %zero : f64
  } : tensor<?xf64> to tensor<?xf64>
  %e = tensor.expand_shape %p [[0, 1]] output_shape [%nb, 4] : tensor<?xf64> into tensor<?x4xf64>
  %init = tensor.empty(%nb) : tensor<?xf64>
  %r = tile.program grid([%nb]) ins(%e : tensor<?x4xf64>) outs(%init : tensor<?xf64>) {
  ^bb0(%n: index, %E: memref<?x4xf64>, %Y: memref<?xf64>):
    %c0_ = arith.constant 0 : index
    %t = tile.load %E[%n, %c0_] : memref<?x4xf64> -> tensor<1x4xf64>
    %s = cascade.einsum "nm->n" ins(%t : tensor<1x4xf64>) reduce(add) -> tensor<1xf64>
    tile.store %s, %Y[%n] : tensor<1xf64> -> memref<?xf64>
  } -> tensor<?xf64>
  %fixed = tensor.cast %r : tensor<?xf64> to tensor<3xf64>
  return %fixed : tensor<3xf64>
}

// -----

// A load whose own pad value differs from the padding's would read another
// value past the original bounds: the padded input stays.
// CHECK-LABEL: func.func @other_pad_value
// CHECK: tensor.pad
// CHECK: tile.program grid([3]) ins(%expanded : tensor<3x4xf64>)
func.func @other_pad_value(%x: tensor<10xf64>) -> tensor<3xf64> {
  %zero = arith.constant 0.0 : f64
  %p = tensor.pad %x low[0] high[2] {
  ^bb0(%i: index):
    tensor.yield %zero : f64
  } : tensor<10xf64> to tensor<12xf64>
  %e = tensor.expand_shape %p [[0, 1]] output_shape [3, 4] : tensor<12xf64> into tensor<3x4xf64>
  %init = tensor.empty() : tensor<3xf64>
  %r = tile.program grid([3]) ins(%e : tensor<3x4xf64>) outs(%init : tensor<3xf64>) {
  ^bb0(%n: index, %E: memref<3x4xf64>, %Y: memref<3xf64>):
    %c0 = arith.constant 0 : index
    %t = tile.load %E[%n, %c0] pad(1.0) : memref<3x4xf64> -> tensor<1x4xf64>
    %s = cascade.einsum "nm->n" ins(%t : tensor<1x4xf64>) reduce(add) -> tensor<1xf64>
    tile.store %s, %Y[%n] : tensor<1xf64> -> memref<3xf64>
  } -> tensor<3xf64>
  return %r : tensor<3xf64>
}

// -----

// Half a block per load is still one range of the unpadded dimension.
// CHECK-LABEL: func.func @half_block
// CHECK-NOT: tensor.pad
// CHECK: %[[ROW:.*]] = arith.muli %{{.*}}, %c4
// CHECK: %[[OFF:.*]] = arith.addi %[[ROW]], %c2
// CHECK: tile.load %{{.*}}[%[[OFF]]] pad(0.000000e+00) : memref<10xf64> -> tensor<2xf64>
func.func @half_block(%x: tensor<10xf64>) -> tensor<3xf64> {
  %zero = arith.constant 0.0 : f64
  %p = tensor.pad %x low[0] high[2] {
  ^bb0(%i: index):
    tensor.yield %zero : f64
  } : tensor<10xf64> to tensor<12xf64>
  %e = tensor.expand_shape %p [[0, 1]] output_shape [3, 4] : tensor<12xf64> into tensor<3x4xf64>
  %init = tensor.empty() : tensor<3xf64>
  %r = tile.program grid([3]) ins(%e : tensor<3x4xf64>) outs(%init : tensor<3xf64>) {
  ^bb0(%n: index, %E: memref<3x4xf64>, %Y: memref<3xf64>):
    %c2 = arith.constant 2 : index
    %t = tile.load %E[%n, %c2] : memref<3x4xf64> -> tensor<1x2xf64>
    %s = cascade.einsum "nm->n" ins(%t : tensor<1x2xf64>) reduce(add) -> tensor<1xf64>
    tile.store %s, %Y[%n] : tensor<1xf64> -> memref<3xf64>
  } -> tensor<3xf64>
  return %r : tensor<3xf64>
}

// -----

// Two blocks, half of each: two separate ranges of the unpadded dimension,
// which one load of it cannot read. The padded input stays.
// CHECK-LABEL: func.func @two_half_blocks
// CHECK: tensor.pad
// CHECK: tile.program grid([2]) ins(%expanded : tensor<3x4xf64>)
func.func @two_half_blocks(%x: tensor<10xf64>) -> tensor<4xf64> {
  %zero = arith.constant 0.0 : f64
  %p = tensor.pad %x low[0] high[2] {
  ^bb0(%i: index):
    tensor.yield %zero : f64
  } : tensor<10xf64> to tensor<12xf64>
  %e = tensor.expand_shape %p [[0, 1]] output_shape [3, 4] : tensor<12xf64> into tensor<3x4xf64>
  %init = tensor.empty() : tensor<4xf64>
  %r = tile.program grid([2]) ins(%e : tensor<3x4xf64>) outs(%init : tensor<4xf64>) {
  ^bb0(%n: index, %E: memref<3x4xf64>, %Y: memref<4xf64>):
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %row = arith.muli %n, %c2 : index
    %t = tile.load %E[%row, %c0] : memref<3x4xf64> -> tensor<2x2xf64>
    %s = cascade.einsum "nm->n" ins(%t : tensor<2x2xf64>) reduce(add) -> tensor<2xf64>
    tile.store %s, %Y[%row] : tensor<2xf64> -> memref<4xf64>
  } -> tensor<4xf64>
  return %r : tensor<4xf64>
}

// -----

// A tile running past the end of its block would read the next block's
// elements from the unpadded tensor, where the padded buffer reads the pad
// value: the padded input stays.
// CHECK-LABEL: func.func @past_block_end
// CHECK: tensor.pad
// CHECK: tile.program grid([3]) ins(%expanded : tensor<3x4xf64>)
func.func @past_block_end(%x: tensor<10xf64>) -> tensor<3xf64> {
  %zero = arith.constant 0.0 : f64
  %p = tensor.pad %x low[0] high[2] {
  ^bb0(%i: index):
    tensor.yield %zero : f64
  } : tensor<10xf64> to tensor<12xf64>
  %e = tensor.expand_shape %p [[0, 1]] output_shape [3, 4] : tensor<12xf64> into tensor<3x4xf64>
  %init = tensor.empty() : tensor<3xf64>
  %r = tile.program grid([3]) ins(%e : tensor<3x4xf64>) outs(%init : tensor<3xf64>) {
  ^bb0(%n: index, %E: memref<3x4xf64>, %Y: memref<3xf64>):
    %c2 = arith.constant 2 : index
    %t = tile.load %E[%n, %c2] : memref<3x4xf64> -> tensor<1x4xf64>
    %s = cascade.einsum "nm->n" ins(%t : tensor<1x4xf64>) reduce(add) -> tensor<1xf64>
    tile.store %s, %Y[%n] : tensor<1xf64> -> memref<3xf64>
  } -> tensor<3xf64>
  return %r : tensor<3xf64>
}

// -----

// Same with a run-time column: whether the tile ends within its block is
// unknown, so the padded input stays.
// CHECK-LABEL: func.func @runtime_column
// CHECK: tensor.pad
// CHECK: tile.program grid([3]) ins(%expanded : tensor<3x4xf64>)
func.func @runtime_column(%x: tensor<10xf64>) -> tensor<3xf64> {
  %zero = arith.constant 0.0 : f64
  %p = tensor.pad %x low[0] high[2] {
  ^bb0(%i: index):
    tensor.yield %zero : f64
  } : tensor<10xf64> to tensor<12xf64>
  %e = tensor.expand_shape %p [[0, 1]] output_shape [3, 4] : tensor<12xf64> into tensor<3x4xf64>
  %init = tensor.empty() : tensor<3xf64>
  %r = tile.program grid([3]) ins(%e : tensor<3x4xf64>) outs(%init : tensor<3xf64>) {
  ^bb0(%n: index, %E: memref<3x4xf64>, %Y: memref<3xf64>):
    %t = tile.load %E[%n, %n] : memref<3x4xf64> -> tensor<1x2xf64>
    %s = cascade.einsum "nm->n" ins(%t : tensor<1x2xf64>) reduce(add) -> tensor<1xf64>
    tile.store %s, %Y[%n] : tensor<1xf64> -> memref<3xf64>
  } -> tensor<3xf64>
  return %r : tensor<3xf64>
}
