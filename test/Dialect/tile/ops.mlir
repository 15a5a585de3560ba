// Round trip of the tile IR: print, parse again, print the same; the generic
// form too.
// RUN: cascade-opt %s | cascade-opt | FileCheck %s
// RUN: cascade-opt %s --mlir-print-op-generic | cascade-opt | FileCheck %s

// CHECK: module attributes {tile.target = #tile.target<name = "h100", vector_bits = 1024, registers = 65536, shared_memory = 232448, matrix = [64, 64, 16]>}
module attributes {tile.target = #tile.target<name = "h100", vector_bits = 1024, registers = 65536, shared_memory = 232448, matrix = [64, 64, 16]>} {

// CHECK-LABEL: func @copy_rows
// CHECK: tile.program grid([2, 4]) ins(%{{.*}} : tensor<2x250xf32>) outs(%{{.*}} : tensor<2x250xf32>) {
// CHECK: ^bb0(%[[I:.*]]: index, %[[J:.*]]: index, %[[X:.*]]: memref<2x250xf32>, %[[Y:.*]]: memref<2x250xf32>):
// CHECK: %[[T:.*]] = tile.load %[[X]][%[[I]], %{{.*}}] pad(-1.000000e+00) : memref<2x250xf32> -> tensor<1x64xf32>
// CHECK: tile.store %{{.*}}, %[[Y]][%[[I]], %{{.*}}] : tensor<1x64xf32> -> memref<2x250xf32>
// CHECK: } -> tensor<2x250xf32>
func.func @copy_rows(%x: tensor<2x250xf32>) -> tensor<2x250xf32> {
  %init = tensor.empty() : tensor<2x250xf32>
  %r = tile.program grid([2, 4]) ins(%x : tensor<2x250xf32>) outs(%init : tensor<2x250xf32>) {
  ^bb0(%i: index, %j: index, %X: memref<2x250xf32>, %Y: memref<2x250xf32>):
    %c64 = arith.constant 64 : index
    %col = arith.muli %j, %c64 : index
    %t = tile.load %X[%i, %col] pad(-1.0) : memref<2x250xf32> -> tensor<1x64xf32>
    %d = cascade.einsum "pm,pm->pm" ins(%t, %t : tensor<1x64xf32>, tensor<1x64xf32>) map(add) -> tensor<1x64xf32>
    tile.store %d, %Y[%i, %col] : tensor<1x64xf32> -> memref<2x250xf32>
  } -> tensor<2x250xf32>
  return %r : tensor<2x250xf32>
}

// A segment of rows ending inside the buffer: loads and stores bounded by
// a run-time end.
// CHECK-LABEL: func @segment_rows
// CHECK: %[[T:.*]] = tile.load %{{.*}}[%[[R:.*]], %[[C0:.*]]] bounds[%[[E:.*]], %[[C8:.*]]] pad(0.000000e+00) : memref<16x8xf32> -> tensor<4x8xf32>
// CHECK: tile.store %[[T]], %{{.*}}[%[[R]], %[[C0]]] bounds[%[[E]], %[[C8]]] : tensor<4x8xf32> -> memref<16x8xf32>
func.func @segment_rows(%x: tensor<16x8xf32>, %ends: tensor<2xindex>) -> tensor<16x8xf32> {
  %init = tensor.empty() : tensor<16x8xf32>
  %r = tile.program grid([2]) ins(%x, %ends : tensor<16x8xf32>, tensor<2xindex>) outs(%init : tensor<16x8xf32>) {
  ^bb0(%i: index, %X: memref<16x8xf32>, %E: memref<2xindex>, %Y: memref<16x8xf32>):
    %c0 = arith.constant 0 : index
    %c8 = arith.constant 8 : index
    %row = arith.muli %i, %c8 : index
    %end = memref.load %E[%i] : memref<2xindex>
    %t = tile.load %X[%row, %c0] bounds[%end, %c8] pad(0.0) : memref<16x8xf32> -> tensor<4x8xf32>
    tile.store %t, %Y[%row, %c0] bounds[%end, %c8] : tensor<4x8xf32> -> memref<16x8xf32>
  } -> tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}

// A masked tile: the mask reads origin + local coordinates.
// CHECK-LABEL: func @masked_tile
// CHECK: cascade.einsum "pm->pm" ins(%{{.*}} : tensor<4x8xf32>) mask(#cascade.causal on "p", "m") mask_extent([16, 16]) mask_origin(%{{.*}}, %{{.*}}) -> tensor<4x8xf32>
func.func @masked_tile(%s: tensor<4x8xf32>, %p0: index, %m0: index) -> tensor<4x8xf32> {
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) mask(#cascade.causal on "p", "m") mask_extent([16, 16]) mask_origin(%p0, %m0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}


// One work item: a grid of rank 0 (a scan), its block has no coordinates.
// CHECK-LABEL: func @one_work_item
// CHECK: tile.program grid([]) ins(%{{.*}} : tensor<4xi64>) outs(%{{.*}} : tensor<4xi64>) {
// CHECK-NEXT: ^bb0(%{{.*}}: memref<4xi64>, %{{.*}}: memref<4xi64>):
func.func @one_work_item(%x: tensor<4xi64>) -> tensor<4xi64> {
  %init = tensor.empty() : tensor<4xi64>
  %r = tile.program grid([]) ins(%x : tensor<4xi64>) outs(%init : tensor<4xi64>) {
  ^bb0(%X: memref<4xi64>, %Y: memref<4xi64>):
    %c0 = arith.constant 0 : index
    %t = tile.load %X[%c0] : memref<4xi64> -> tensor<4xi64>
    tile.store %t, %Y[%c0] : tensor<4xi64> -> memref<4xi64>
  } -> tensor<4xi64>
  return %r : tensor<4xi64>
}

// Run-time lengths: a grid dimension given as a value, and a parameter the
// body reads (the rows' count, bounding the loads).
// CHECK-LABEL: func @dynamic_rows
// CHECK: tile.program grid([%[[T:.*]], 2]) params(%[[N:.*]]) ins(%{{.*}} : tensor<?x64xf32>) outs(%{{.*}} : tensor<?x64xf32>) {
// CHECK-NEXT: ^bb0(%{{.*}}: index, %{{.*}}: index, %[[R:.*]]: index, %{{.*}}: memref<?x64xf32>, %{{.*}}: memref<?x64xf32>):
// CHECK: tile.load %{{.*}} bounds[%[[R]], %{{.*}}]
// CHECK: } -> tensor<?x64xf32>
func.func @dynamic_rows(%x: tensor<?x64xf32>, %tiles: index, %n: index) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %init = tensor.empty(%n) : tensor<?x64xf32>
  %r = tile.program grid([%tiles, 2]) params(%n) ins(%x : tensor<?x64xf32>) outs(%init : tensor<?x64xf32>) {
  ^bb0(%i: index, %j: index, %rows: index, %X: memref<?x64xf32>, %Y: memref<?x64xf32>):
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    %row = arith.muli %i, %c16 : index
    %col = arith.muli %j, %c32 : index
    %t = tile.load %X[%row, %col] bounds[%rows, %c64] : memref<?x64xf32> -> tensor<16x32xf32>
    tile.store %t, %Y[%row, %col] : tensor<16x32xf32> -> memref<?x64xf32>
  } -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

}
