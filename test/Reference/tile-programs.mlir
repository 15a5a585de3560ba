// The reference interpreter runs tile programs: one body per work item,
// bounded loads (padding past the end), dropped out-of-bounds stores,
// scf.for running state, scf.if and memref.load, einsum origins.
// RUN: cascade-run %s --entry doubled --print | FileCheck %s --check-prefix=DOUBLED
// RUN: cascade-run %s --entry skipped_sum --print | FileCheck %s --check-prefix=SKIP
// RUN: cascade-run %s --entry causal_tiles --print | FileCheck %s --check-prefix=CAUSAL
// RUN: not cascade-run %s --entry class_out_of_range 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: cascade-run %s --entry run_time_rows --print | FileCheck %s --check-prefix=ROWS
// RUN: cascade-run %s --entry no_rows --print | FileCheck %s --check-prefix=NOROWS
// The CPU target runs the same programs (cascade-convert-tile-to-scf):
// RUN: cascade-run %s --target cpu --entry doubled --print | FileCheck %s --check-prefix=DOUBLED
// RUN: cascade-run %s --target cpu --entry skipped_sum --print | FileCheck %s --check-prefix=SKIP
// RUN: cascade-run %s --target cpu --entry causal_tiles --print | FileCheck %s --check-prefix=CAUSAL
// RUN: cascade-run %s --target cpu --entry run_time_rows --print | FileCheck %s --check-prefix=ROWS

// 10 values in tiles of 4: the last tile reads 2 padded values (-1) and
// writes only its 2 in-bounds values.
// DOUBLED: result0 = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
func.func @doubled() -> tensor<10xf64> {
  %x = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<10xf64>
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

// A running sum over 3 blocks of 4 (the last one padded with 0), skipping
// the block whose class is 0: 1+2+3+4 + 9+10 = 29, and 29 - (5+6+7+8) kept
// separately as the sum with every block: 55.
// SKIP: result0 = [29, 55]
func.func @skipped_sum() -> tensor<2xf64> {
  %x = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]> : tensor<10xf64>
  %classes = arith.constant dense<[[1, 0, 2]]> : tensor<1x3xi8>
  %init = arith.constant dense<0.0> : tensor<2xf64>
  %r = tile.program grid([1]) ins(%x, %classes : tensor<10xf64>, tensor<1x3xi8>) outs(%init : tensor<2xf64>) {
  ^bb0(%i: index, %X: memref<10xf64>, %C: memref<1x3xi8>, %Y: memref<2xf64>):
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %zero = arith.constant dense<0.0> : tensor<1xf64>
    %s:2 = scf.for %n = %c0 to %c3 step %c1 iter_args(%a = %zero, %b = %zero) -> (tensor<1xf64>, tensor<1xf64>) {
      %o = arith.muli %n, %c4 : index
      %t = tile.load %X[%o] : memref<10xf64> -> tensor<4xf64>
      %blk = cascade.einsum "m->" ins(%t : tensor<4xf64>) reduce(add) -> tensor<f64>
      %blk1 = tensor.expand_shape %blk [] output_shape [1] : tensor<f64> into tensor<1xf64>
      %all = cascade.einsum "p,p->p" ins(%b, %blk1 : tensor<1xf64>, tensor<1xf64>) map(add) -> tensor<1xf64>
      %cls = memref.load %C[%i, %n] : memref<1x3xi8>
      %c0i8 = arith.constant 0 : i8
      %empty = arith.cmpi eq, %cls, %c0i8 : i8
      %kept = scf.if %empty -> tensor<1xf64> {
        scf.yield %a : tensor<1xf64>
      } else {
        %sum = cascade.einsum "p,p->p" ins(%a, %blk1 : tensor<1xf64>, tensor<1xf64>) map(add) -> tensor<1xf64>
        scf.yield %sum : tensor<1xf64>
      }
      scf.yield %kept, %all : tensor<1xf64>, tensor<1xf64>
    }
    tile.store %s#0, %Y[%c0] : tensor<1xf64> -> memref<2xf64>
    tile.store %s#1, %Y[%c1] : tensor<1xf64> -> memref<2xf64>
  } -> tensor<2xf64>
  return %r : tensor<2xf64>
}

// A 4x4 causal mask computed in 2x2 tiles: each tile's mask sees its origin.
// CAUSAL: result0 = [1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1]
func.func @causal_tiles() -> tensor<4x4xf64> {
  %ones = arith.constant dense<1.0> : tensor<4x4xf64>
  %init = tensor.empty() : tensor<4x4xf64>
  %r = tile.program grid([2, 2]) ins(%ones : tensor<4x4xf64>) outs(%init : tensor<4x4xf64>) {
  ^bb0(%i: index, %j: index, %X: memref<4x4xf64>, %Y: memref<4x4xf64>):
    %c2 = arith.constant 2 : index
    %p0 = arith.muli %i, %c2 : index
    %m0 = arith.muli %j, %c2 : index
    %t = tile.load %X[%p0, %m0] : memref<4x4xf64> -> tensor<2x2xf64>
    %m = cascade.einsum "pm->pm" ins(%t : tensor<2x2xf64>) mask(#cascade.causal on "p", "m") mask_extent([4, 4]) mask_origin(%p0, %m0) fill(0.0) -> tensor<2x2xf64>
    tile.store %m, %Y[%p0, %m0] : tensor<2x2xf64> -> memref<4x4xf64>
  } -> tensor<4x4xf64>
  return %r : tensor<4x4xf64>
}

// RANGE: error: index 3 of dimension 1 is outside [0, 3)
func.func @class_out_of_range() -> tensor<1xf64> {
  %classes = arith.constant dense<[[1, 0, 2]]> : tensor<1x3xi8>
  %init = arith.constant dense<0.0> : tensor<1xf64>
  %r = tile.program grid([1]) ins(%classes : tensor<1x3xi8>) outs(%init : tensor<1xf64>) {
  ^bb0(%i: index, %C: memref<1x3xi8>, %Y: memref<1xf64>):
    %c3 = arith.constant 3 : index
    %cls = memref.load %C[%i, %c3] : memref<1x3xi8>
  } -> tensor<1xf64>
  return %r : tensor<1xf64>
}

// A run-time grid and a parameter: 7 rows of a run-time-sized tensor in
// ceil(7 / 2) = 4 work items of 2 rows; each doubles its rows up to a
// run-time bound of 7 - 2 = 5 rows (the parameter); rows past it keep their
// `outs` values.
// ROWS: result0 = [2, 4, 6, 8, 10, 6, 7]
func.func @run_time_rows() -> tensor<7xf64> {
  %x = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<7xf64>
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %xd = tensor.cast %x : tensor<7xf64> to tensor<?xf64>
  %n = tensor.dim %xd, %c0 : tensor<?xf64>
  %tiles = arith.ceildivui %n, %c2 : index
  %limit = arith.subi %n, %c2 : index
  %r = tile.program grid([%tiles]) params(%limit) ins(%xd : tensor<?xf64>) outs(%xd : tensor<?xf64>) {
  ^bb0(%i: index, %bound: index, %X: memref<?xf64>, %Y: memref<?xf64>):
    %c2_ = arith.constant 2 : index
    %o = arith.muli %i, %c2_ : index
    %t = tile.load %X[%o] : memref<?xf64> -> tensor<2xf64>
    %d = cascade.einsum "m,m->m" ins(%t, %t : tensor<2xf64>, tensor<2xf64>) map(add) -> tensor<2xf64>
    tile.store %d, %Y[%o] bounds[%bound] : tensor<2xf64> -> memref<?xf64>
  } -> tensor<?xf64>
  %s = tensor.cast %r : tensor<?xf64> to tensor<7xf64>
  return %s : tensor<7xf64>
}

// Zero work items at run time: the outputs stay as `outs`.
// NOROWS: result0 = [5, 5, 5]
func.func @no_rows() -> tensor<3xf64> {
  %c0 = arith.constant 0 : index
  %init = arith.constant dense<5.0> : tensor<3xf64>
  %r = tile.program grid([%c0]) outs(%init : tensor<3xf64>) {
  ^bb0(%i: index, %Y: memref<3xf64>):
    %t = arith.constant dense<1.0> : tensor<3xf64>
    tile.store %t, %Y[%i] : tensor<3xf64> -> memref<3xf64>
  } -> tensor<3xf64>
  return %r : tensor<3xf64>
}
