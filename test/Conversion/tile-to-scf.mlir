// RUN: cascade-opt %s --cascade-convert-tile-to-scf --split-input-file | FileCheck %s

// Work items become an scf.parallel over the grid. A load whose tile lies
// inside the buffer reads it in place (a subview, no copy); the last tile of
// a rank the tile does not divide is clipped and padded with the load's pad
// value. Stores write only their in-bounds part.
// CHECK-LABEL: func.func @doubled
// CHECK-SAME: (%[[X:.*]]: tensor<10xf64>)
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<10xf64>
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c3) step (%c1)
// CHECK:   %[[O:.*]] = arith.muli %[[I]], %c4
// CHECK:   %[[END:.*]] = arith.addi %[[O]], %c4
// CHECK:   %[[FITS:.*]] = arith.cmpi sle, %[[END]], %c10
// CHECK:   %[[T:.*]] = scf.if %[[FITS]] -> (tensor<4xf64>) {
// CHECK:     %[[VIEW:.*]] = memref.subview %[[BUF]][%[[O]]] [4] [1]
// CHECK:     %[[WHOLE:.*]] = bufferization.to_tensor %[[VIEW]] restrict
// CHECK:     scf.yield %[[WHOLE]] : tensor<4xf64>
// CHECK:   } else {
// CHECK:     %[[PART:.*]] = memref.subview %[[BUF]]
// CHECK:     %[[PT:.*]] = bufferization.to_tensor %[[PART]] restrict
// CHECK:     %[[PADDED:.*]] = tensor.pad %[[PT]]
// CHECK:       tensor.yield %cst
// CHECK:     scf.yield %[[PADDED]] : tensor<4xf64>
// CHECK:   }
// CHECK:   cascade.einsum "m,m->m" ins(%[[T]], %[[T]]
// CHECK:   bufferization.materialize_in_destination {{.*}} in restrict writable
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
func.func @doubled(%x: tensor<10xf64>) -> tensor<10xf64> {
  %init = tensor.empty() : tensor<10xf64>
  %r = tile.program grid([3]) ins(%x : tensor<10xf64>) outs(%init : tensor<10xf64>) {
  ^bb0(%i: index, %X: memref<10xf64>, %Y: memref<10xf64>):
    %c4 = arith.constant 4 : index
    %o = arith.muli %i, %c4 : index
    %t = tile.load %X[%o] pad(-1.0) : memref<10xf64> -> tensor<4xf64>
    %d = cascade.einsum "m,m->m" ins(%t, %t : tensor<4xf64>, tensor<4xf64>) map(add) -> tensor<4xf64>
    tile.store %d, %Y[%o] : tensor<4xf64> -> memref<10xf64>
  } -> tensor<10xf64>
  return %r : tensor<10xf64>
}

// -----

// A splat-constant input (an initial running state) is no buffer: the load
// is that value, padded past the bounds.
// CHECK-LABEL: func.func @splat_state
// CHECK-NOT: bufferization.to_buffer %cst
// CHECK: scf.parallel
// CHECK:   %[[S:.*]] = tensor.splat %{{.*}}[%{{.*}}] : tensor<?xf64>
// CHECK:   tensor.pad %[[S]]
func.func @splat_state() -> tensor<10xf64> {
  %x = arith.constant dense<2.0> : tensor<10xf64>
  %init = tensor.empty() : tensor<10xf64>
  %r = tile.program grid([3]) ins(%x : tensor<10xf64>) outs(%init : tensor<10xf64>) {
  ^bb0(%i: index, %X: memref<10xf64>, %Y: memref<10xf64>):
    %c4 = arith.constant 4 : index
    %o = arith.muli %i, %c4 : index
    %t = tile.load %X[%o] : memref<10xf64> -> tensor<4xf64>
    tile.store %t, %Y[%o] : tensor<4xf64> -> memref<10xf64>
  } -> tensor<10xf64>
  return %r : tensor<10xf64>
}

// -----

// Bounds end a dimension before the buffer does: the in-place test and the
// clipped view both use min(size, bound), clamped at 0. A splat-constant
// `outs` is a fill of the output buffer, not a copy of a constant.
// CHECK-LABEL: func.func @bounded_rows
// CHECK-SAME: (%[[X:.*]]: tensor<10x3xf64>, %[[ENDS:.*]]: tensor<1xindex>)
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<10x3xf64>
// CHECK: linalg.fill ins(%{{.*}} : f64) outs(%[[OUT]] : memref<10x3xf64>)
// CHECK-NOT: memref.copy
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK:   %[[END:.*]] = memref.load
// CHECK:   %[[O:.*]] = arith.muli %[[I]], %c4
// CHECK:   %[[LIMIT:.*]] = arith.minsi %[[END]], %c10
// CHECK:   %[[CLAMPED:.*]] = arith.maxsi %[[LIMIT]], %c0
// CHECK:   %[[TILE_END:.*]] = arith.addi %[[O]], %c4
// CHECK:   arith.cmpi sle, %[[TILE_END]], %[[CLAMPED]]
// CHECK:   scf.if
// CHECK:   } else {
// CHECK:     arith.minsi %[[END]], %c10
// CHECK:     memref.subview %[[BUF]]
// CHECK:     tensor.pad
// CHECK:   arith.minsi %[[END]], %c10
// CHECK:   memref.subview %[[OUT]]
// CHECK:   bufferization.materialize_in_destination
func.func @bounded_rows(%x: tensor<10x3xf64>, %ends: tensor<1xindex>) -> tensor<10x3xf64> {
  %zeros = arith.constant dense<0.0> : tensor<10x3xf64>
  %r = tile.program grid([3]) ins(%x, %ends : tensor<10x3xf64>, tensor<1xindex>) outs(%zeros : tensor<10x3xf64>) {
  ^bb0(%i: index, %X: memref<10x3xf64>, %E: memref<1xindex>, %Y: memref<10x3xf64>):
    %c0 = arith.constant 0 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %end = memref.load %E[%c0] : memref<1xindex>
    %o = arith.muli %i, %c4 : index
    %t = tile.load %X[%o, %c0] bounds[%end, %c3] : memref<10x3xf64> -> tensor<4x3xf64>
    tile.store %t, %Y[%o, %c0] bounds[%end, %c3] : tensor<4x3xf64> -> memref<10x3xf64>
  } -> tensor<10x3xf64>
  return %r : tensor<10x3xf64>
}

// -----

// A grid of rank 0 is one work item: the body runs in place, no scf.parallel
// (which needs a dimension). A running sum over 5 entries.
// CHECK-LABEL: func.func @one_work_item
// CHECK-NOT: scf.parallel
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c5 step %c1 iter_args(
// CHECK: bufferization.materialize_in_destination %[[SUM]]
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @one_work_item(%x: tensor<5xf64>) -> tensor<f64> {
  %init = tensor.empty() : tensor<f64>
  %r = tile.program grid([]) ins(%x : tensor<5xf64>) outs(%init : tensor<f64>) {
  ^bb0(%X: memref<5xf64>, %O: memref<f64>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c5 = arith.constant 5 : index
    %zero = arith.constant dense<0.0> : tensor<f64>
    %sum = scf.for %i = %c0 to %c5 step %c1 iter_args(%acc = %zero) -> (tensor<f64>) {
      %t = tile.load %X[%i] : memref<5xf64> -> tensor<1xf64>
      %s = cascade.einsum "i,->" ins(%t, %acc : tensor<1xf64>, tensor<f64>) reduce(add) {
      ^bb0(%a: f64, %b: f64):
        %v = arith.addf %a, %b : f64
        cascade.yield %v : f64
      } -> tensor<f64>
      scf.yield %s : tensor<f64>
    }
    tile.store %sum, %O[] : tensor<f64> -> memref<f64>
  } -> tensor<f64>
  return %r : tensor<f64>
}

// -----

// A run-time grid and parameters: the grid values bound the scf.parallel,
// the body's parameters are the values given to the program, and a
// run-time-sized output is allocated with its run-time size.
// CHECK-LABEL: func.func @run_time_grid
// CHECK-SAME: (%[[X:.*]]: tensor<?xf64>, %[[TILES:.*]]: index, %[[LIMIT:.*]]: index)
// CHECK: %[[INIT:.*]] = tensor.empty
// CHECK: %[[N:.*]] = tensor.dim %[[INIT]], %c0
// CHECK: %[[OUT:.*]] = memref.alloc(%[[N]]) {alignment = 64 : i64} : memref<?xf64>
// CHECK: scf.parallel (%[[I:.*]]) = (%c0{{.*}}) to (%[[TILES]]) step (%c1{{.*}})
// CHECK:   arith.minsi %{{.*}}, %[[LIMIT]] : index
// CHECK:   bufferization.materialize_in_destination
// CHECK-NOT: tile.program
func.func @run_time_grid(%x: tensor<?xf64>, %tiles: index, %limit: index) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf64>
  %init = tensor.empty(%n) : tensor<?xf64>
  %r = tile.program grid([%tiles]) params(%limit) ins(%x : tensor<?xf64>) outs(%init : tensor<?xf64>) {
  ^bb0(%i: index, %bound: index, %X: memref<?xf64>, %Y: memref<?xf64>):
    %c4 = arith.constant 4 : index
    %o = arith.muli %i, %c4 : index
    %t = tile.load %X[%o] bounds[%bound] : memref<?xf64> -> tensor<4xf64>
    tile.store %t, %Y[%o] : tensor<4xf64> -> memref<?xf64>
  } -> tensor<?xf64>
  return %r : tensor<?xf64>
}
