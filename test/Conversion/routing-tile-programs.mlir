// cascade-form-tile-programs turns the routing ops that move rows into tile
// programs. A grouped einsum (the expert GEMMs of a MoE) becomes one program
// over (group, column block, row block): each work item reads its group's
// two offsets, skips itself past the segment's end, and loads and stores its
// row tile bounded by that end. A gather becomes one work item per index
// entry.
//
// RUN: cascade-opt %s --cascade-form-tile-programs="group-rows=4" | FileCheck %s
//
// Numeric: the float64 reference before == the reference and the CPU target
// after, on fresh random inputs, over segments with gaps before, between and
// after them, empty groups, one group holding every row, odd sizes (13 rows,
// 300 columns in tiles of 256), the SwiGLU epilogue, and gathers with a
// divisor, dropped slots (negative entries), 2-D entries and 3-D rows.
// RUN: cascade-opt %s --cascade-form-tile-programs="group-rows=4" -o %t.q4.mlir
// RUN: cascade-opt %s --cascade-form-tile-programs -o %t.auto.mlir
// RUN: %compare-reference %s %t.q4.mlir %seed 1e-12 1e-12 gaps one_group_takes_all swiglu odd_columns gather_slots gather_2d_entries one_output_per_row scatter_weighted scatter_2d_entries scatter_integers \
// RUN:   empty_columns empty_rows empty_gather empty_scatter
// RUN: %compare-reference %s %t.auto.mlir %seed 1e-12 1e-12 gaps one_group_takes_all swiglu odd_columns
// RUN: env CASCADE_AFTER_FLAGS="--target cpu" %compare-reference %s %t.q4.mlir %seed 1e-12 1e-12 gaps one_group_takes_all swiglu odd_columns gather_slots gather_2d_entries one_output_per_row scatter_weighted scatter_2d_entries scatter_integers
//
// Offsets out of order, and a gather index past the source's rows, stop with
// the run-time error of their check, on the reference and on the CPU target.
// RUN: not cascade-run %t.q4.mlir --entry bad_offsets --random-inputs 1 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not cascade-run %t.q4.mlir --entry bad_offsets --random-inputs 1 --target cpu 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: 'offsets' of cascade.grouped_einsum
// RUN: not cascade-run %t.q4.mlir --entry bad_gather --random-inputs 1 2>&1 | FileCheck %s --check-prefix=BAD-GATHER
// RUN: not cascade-run %t.q4.mlir --entry bad_gather --random-inputs 1 --target cpu 2>&1 | FileCheck %s --check-prefix=BAD-GATHER
// BAD-GATHER: 'indices' of cascade.gather (divided by 2, for the 6 rows of 'source'): entry 1 is 12, out of range (must be < 12)
// RUN: not cascade-run %t.q4.mlir --entry bad_scatter --random-inputs 1 2>&1 | FileCheck %s --check-prefix=BAD-SCATTER
// RUN: not cascade-run %t.q4.mlir --entry bad_scatter --random-inputs 1 --target cpu 2>&1 | FileCheck %s --check-prefix=BAD-SCATTER
// BAD-SCATTER: 'indices' of cascade.scatter (for the 4 rows of the result): entry 2 is 4, out of range (must be < 4)

// CHECK-LABEL: func.func @gaps
// CHECK: %[[OFF:.*]] = cascade.check_indices %{{.*}} in[0, 11) nondecreasing what("'offsets' of cascade.grouped_einsum") : tensor<5xi64>
// CHECK: %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : tensor<10x6xf64>
// CHECK: tile.program grid([4, 1, 3]) ins(%{{.*}}, %{{.*}}, %[[OFF]] : tensor<10x5xf64>, tensor<4x5x6xf64>, tensor<5xi64>) outs(%[[ZEROS]] : tensor<10x6xf64>)
// CHECK-NEXT: ^bb0(%[[G:.*]]: index, %[[CB:.*]]: index, %[[RB:.*]]: index, %[[X:.*]]: memref<10x5xf64>, %[[W:.*]]: memref<4x5x6xf64>, %[[O:.*]]: memref<5xi64>, %[[Y:.*]]: memref<10x6xf64>):
// CHECK: %[[B:.*]] = memref.load %[[O]][%[[G]]]
// CHECK: %[[BEGIN:.*]] = arith.index_cast %[[B]]
// CHECK: %[[E:.*]] = memref.load %[[O]]
// CHECK: %[[END:.*]] = arith.index_cast %[[E]]
// CHECK: %[[SKIP:.*]] = arith.muli %[[RB]], %c4
// CHECK: %[[ROW:.*]] = arith.addi %[[BEGIN]], %[[SKIP]]
// CHECK: %[[LIVE:.*]] = arith.cmpi slt, %[[ROW]], %[[END]]
// CHECK: scf.if %[[LIVE]] {
// CHECK: %[[XT:.*]] = tile.load %[[X]][%[[ROW]], %c0] bounds[%[[END]], %c5] : memref<10x5xf64> -> tensor<4x5xf64>
// CHECK: %[[WT:.*]] = tile.load %[[W]][%[[G]], %c0, %{{.*}}] : memref<4x5x6xf64> -> tensor<1x5x6xf64>
// CHECK: %[[WG:.*]] = tensor.collapse_shape %[[WT]] {{\[\[}}0, 1], [2]]
// CHECK: %[[P:.*]] = cascade.einsum "rh,hi->ri" ins(%[[XT]], %[[WG]] : tensor<4x5xf64>, tensor<5x6xf64>) map(mul) reduce(add)
// CHECK: tile.store %[[P]], %[[Y]][%[[ROW]], %{{.*}}] bounds[%[[END]], %{{c6.*}}]
// CHECK-NOT: cascade.grouped_einsum
func.func @gaps(%x: tensor<10x5xf64>, %w: tensor<4x5x6xf64>) -> tensor<10x6xf64> {
  // Rows 0 and 9 lie in no segment (zeros); group 1 is empty.
  %off = arith.constant dense<[1, 4, 4, 8, 9]> : tensor<5xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<10x5xf64>, tensor<4x5x6xf64>) offsets(%off : tensor<5xi64>) -> tensor<10x6xf64>
  return %y : tensor<10x6xf64>
}

// CHECK-LABEL: func.func @one_group_takes_all
// CHECK: tile.program grid([3, 1, 4])
func.func @one_group_takes_all(%x: tensor<13x5xf64>, %w: tensor<3x5x6xf64>) -> tensor<13x6xf64> {
  %off = arith.constant dense<[0, 0, 13, 13]> : tensor<4xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<13x5xf64>, tensor<3x5x6xf64>) offsets(%off : tensor<4xi64>) -> tensor<13x6xf64>
  return %y : tensor<13x6xf64>
}

// The epilogue combines the tiles of both weights per point.
// CHECK-LABEL: func.func @swiglu
// CHECK: scf.if
// CHECK: %[[GATE:.*]] = cascade.einsum "rh,hi->ri"
// CHECK: %[[UP:.*]] = cascade.einsum "rh,hi->ri"
// CHECK: %[[H:.*]] = cascade.einsum "ri,ri->ri" ins(%[[GATE]], %[[UP]] : tensor<4x7xf64>, tensor<4x7xf64>) {
// CHECK: math.exp
// CHECK: tile.store %[[H]]
func.func @swiglu(%x: tensor<11x5xf64>, %wg: tensor<3x5x7xf64>, %wu: tensor<3x5x7xf64>) -> tensor<11x7xf64> {
  %off = arith.constant dense<[0, 5, 6, 11]> : tensor<4xi64>
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %wg, %wu : tensor<11x5xf64>, tensor<3x5x7xf64>, tensor<3x5x7xf64>) offsets(%off : tensor<4xi64>) {
  ^bb0(%g: f64, %u: f64):
    %one = arith.constant 1.0 : f64
    %n = arith.negf %g : f64
    %e = math.exp %n : f64
    %d = arith.addf %e, %one : f64
    %s = arith.divf %g, %d : f64
    %r = arith.mulf %s, %u : f64
    cascade.yield %r : f64
  } -> tensor<11x7xf64>
  return %h : tensor<11x7xf64>
}

// 300 columns in tiles of 256: the last column tile is partial.
// CHECK-LABEL: func.func @odd_columns
// CHECK: tile.program grid([2, 2, 4])
// CHECK: tile.load {{.*}} -> tensor<1x9x256xf64>
func.func @odd_columns(%x: tensor<13x9xf64>, %w: tensor<2x9x300xf64>) -> tensor<13x300xf64> {
  %off = arith.constant dense<[2, 7, 12]> : tensor<3xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<13x9xf64>, tensor<2x9x300xf64>) offsets(%off : tensor<3xi64>) -> tensor<13x300xf64>
  return %y : tensor<13x300xf64>
}

// One output per row: no column blocks.
// CHECK-LABEL: func.func @one_output_per_row
// CHECK: tile.program grid([2, 1, 2])
// CHECK: cascade.einsum "rh,h->r" {{.*}} -> tensor<4xf64>
func.func @one_output_per_row(%x: tensor<7x3xf64>, %w: tensor<2x3xf64>) -> tensor<7xf64> {
  %off = arith.constant dense<[0, 2, 7]> : tensor<3xi64>
  %y = cascade.grouped_einsum "rh,eh->r" ins(%x, %w : tensor<7x3xf64>, tensor<2x3xf64>) offsets(%off : tensor<3xi64>) -> tensor<7xf64>
  return %y : tensor<7xf64>
}

// CHECK-LABEL: func.func @bad_offsets
func.func @bad_offsets(%x: tensor<6x2xf64>, %w: tensor<2x2x3xf64>) -> tensor<6x3xf64> {
  %off = arith.constant dense<[0, 5, 3]> : tensor<3xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<6x2xf64>, tensor<2x2x3xf64>) offsets(%off : tensor<3xi64>) -> tensor<6x3xf64>
  return %y : tensor<6x3xf64>
}

// Entries divided by 2 (two slots per token); -1 and -7 are dropped slots
// whose rows stay zero.
// CHECK-LABEL: func.func @gather_slots
// CHECK: %[[IDX:.*]] = cascade.check_indices %{{.*}} in[-9223372036854775808, 12) what("'indices' of cascade.gather (divided by 2, for the 6 rows of 'source')") : tensor<8xi64>
// CHECK: tile.program grid([8]) ins(%{{.*}}, %[[IDX]] : tensor<6x5xf64>, tensor<8xi64>) outs(%{{.*}} : tensor<8x5xf64>)
// CHECK-NEXT: ^bb0(%[[E:.*]]: index, %[[SRC:.*]]: memref<6x5xf64>, %[[I:.*]]: memref<8xi64>, %[[OUT:.*]]: memref<8x5xf64>):
// CHECK: %[[RAW:.*]] = memref.load %[[I]][%[[E]]]
// CHECK: %[[AT:.*]] = arith.index_cast %[[RAW]]
// CHECK: %[[KEPT:.*]] = arith.cmpi sge, %[[AT]], %c0
// CHECK: scf.if %[[KEPT]] {
// CHECK: %[[ROW:.*]] = arith.divsi %[[AT]], %c2
// CHECK: %[[T:.*]] = tile.load %[[SRC]][%[[ROW]], %c0] : memref<6x5xf64> -> tensor<1x5xf64>
// CHECK: tile.store %[[T]], %[[OUT]][%[[E]], %c0] : tensor<1x5xf64> -> memref<8x5xf64>
// CHECK-NOT: cascade.gather
func.func @gather_slots(%x: tensor<6x5xf64>) -> tensor<8x5xf64> {
  %idx = arith.constant dense<[11, 0, -1, 3, 3, -7, 10, 1]> : tensor<8xi64>
  %y = cascade.gather %x[%idx] divisor(2) : tensor<6x5xf64>, tensor<8xi64> -> tensor<8x5xf64>
  return %y : tensor<8x5xf64>
}

// 2-D entries, 3-D rows: the row tile gets one unit dimension per index
// dimension.
// CHECK-LABEL: func.func @gather_2d_entries
// CHECK: tile.program grid([2, 3])
// CHECK: tile.load {{.*}} : memref<4x2x3xf64> -> tensor<1x2x3xf64>
// CHECK: tensor.expand_shape {{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [1, 1, 2, 3] : tensor<1x2x3xf64> into tensor<1x1x2x3xf64>
func.func @gather_2d_entries(%x: tensor<4x2x3xf64>) -> tensor<2x3x2x3xf64> {
  %idx = arith.constant dense<[[3, 0, 3], [-1, 2, 1]]> : tensor<2x3xi32>
  %y = cascade.gather %x[%idx] : tensor<4x2x3xf64>, tensor<2x3xi32> -> tensor<2x3x2x3xf64>
  return %y : tensor<2x3x2x3xf64>
}

// CHECK-LABEL: func.func @bad_gather
func.func @bad_gather(%x: tensor<6x5xf64>) -> tensor<3x5xf64> {
  %idx = arith.constant dense<[0, 12, 1]> : tensor<3xi64>
  %y = cascade.gather %x[%idx] divisor(2) : tensor<6x5xf64>, tensor<3xi64> -> tensor<3x5xf64>
  return %y : tensor<3x5xf64>
}

// A weighted scatter-add (the MoE combine): entries 0, 3 and 5 meet in row 1
// and add up in entry order; -1 is a dropped slot. Each work item owns 256 of
// the rows' 300 columns and walks every entry.
// CHECK-LABEL: func.func @scatter_weighted
// CHECK: %[[IDX:.*]] = cascade.check_indices %{{.*}} in[-9223372036854775808, 4) what("'indices' of cascade.scatter (for the 4 rows of the result)")
// CHECK: tile.program grid([2]) ins(%{{.*}}, %[[IDX]], %{{.*}} : tensor<6x300xf64>, tensor<6xi64>, tensor<6xf32>) outs(%{{.*}} : tensor<4x300xf64>)
// CHECK-NEXT: ^bb0(%[[C:.*]]: index, %[[SRC:.*]]: memref<6x300xf64>, %[[I:.*]]: memref<6xi64>, %[[W:.*]]: memref<6xf32>, %[[OUT:.*]]: memref<4x300xf64>):
// CHECK: %[[COL:.*]] = arith.muli %[[C]], %c256
// CHECK: scf.for %[[E:.*]] = %c0 to %c6 step %c1 {
// CHECK: memref.load %[[I]][%[[E]]]
// CHECK: scf.if
// CHECK: %[[CUR:.*]] = tile.load %[[OUT]][%[[ROW:.*]], %[[COL]]] : memref<4x300xf64> -> tensor<1x256xf64>
// CHECK: %[[V:.*]] = tile.load %[[SRC]][%[[E]], %[[COL]]] : memref<6x300xf64> -> tensor<1x256xf64>
// CHECK: %[[WT:.*]] = tile.load %[[W]][%[[E]]] : memref<6xf32> -> tensor<1xf32>
// CHECK: %[[SUM:.*]] = cascade.einsum "ab,ab,a->ab" ins(%[[CUR]], %[[V]], %[[WT]]
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tile.store %[[SUM]], %[[OUT]][%[[ROW]], %[[COL]]]
// CHECK-NOT: cascade.scatter
func.func @scatter_weighted(%x: tensor<6x300xf64>, %w: tensor<6xf32>) -> tensor<4x300xf64> {
  %idx = arith.constant dense<[1, 3, -1, 1, 0, 1]> : tensor<6xi64>
  %y = cascade.scatter %x[%idx] weights(%w : tensor<6xf32>) : tensor<6x300xf64>, tensor<6xi64> -> tensor<4x300xf64>
  return %y : tensor<4x300xf64>
}

// 2-D entries (tokens x slots) divided by 2, 2-D rows.
// CHECK-LABEL: func.func @scatter_2d_entries
// CHECK: tile.program grid([1])
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.divsi %{{.*}}, %c2
// CHECK: tile.load {{.*}} -> tensor<1x1x2x3xf64>
// CHECK: tensor.collapse_shape {{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<1x1x2x3xf64> into tensor<1x2x3xf64>
func.func @scatter_2d_entries(%x: tensor<3x2x2x3xf64>, %w: tensor<3x2xf64>) -> tensor<2x2x3xf64> {
  %idx = arith.constant dense<[[0, 3], [2, -4], [1, 1]]> : tensor<3x2xi32>
  %y = cascade.scatter %x[%idx] weights(%w : tensor<3x2xf64>) divisor(2) : tensor<3x2x2x3xf64>, tensor<3x2xi32> -> tensor<2x2x3xf64>
  return %y : tensor<2x2x3xf64>
}

// Integer rows of one element (the inverse of a permutation), no weights.
// CHECK-LABEL: func.func @scatter_integers
// CHECK: arith.addi
func.func @scatter_integers(%x: tensor<5x2xf64>) -> tensor<5xi64> {
  %v = arith.constant dense<[10, 20, 30, 40, 50]> : tensor<5xi64>
  %idx = arith.constant dense<[4, 0, 2, 0, -1]> : tensor<5xi64>
  %y = cascade.scatter %v[%idx] : tensor<5xi64>, tensor<5xi64> -> tensor<5xi64>
  return %y : tensor<5xi64>
}

// CHECK-LABEL: func.func @bad_scatter
func.func @bad_scatter(%x: tensor<3x2xf64>) -> tensor<4x2xf64> {
  %idx = arith.constant dense<[0, 3, 4]> : tensor<3xi64>
  %y = cascade.scatter %x[%idx] : tensor<3x2xf64>, tensor<3xi64> -> tensor<4x2xf64>
  return %y : tensor<4x2xf64>
}

// Zero-size cases form no program where a grid dimension would be empty (a
// grid needs a work item per dimension) and stay correct either way.
// CHECK-LABEL: func.func @empty_columns
// CHECK: cascade.grouped_einsum
func.func @empty_columns(%x: tensor<5x3xf64>, %w: tensor<2x3x0xf64>) -> tensor<5x0xf64> {
  %off = arith.constant dense<[0, 2, 5]> : tensor<3xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<5x3xf64>, tensor<2x3x0xf64>) offsets(%off : tensor<3xi64>) -> tensor<5x0xf64>
  return %y : tensor<5x0xf64>
}
// CHECK-LABEL: func.func @empty_rows
// CHECK: cascade.grouped_einsum
func.func @empty_rows(%x: tensor<0x3xf64>, %w: tensor<2x3x4xf64>) -> tensor<0x4xf64> {
  %off = arith.constant dense<[0, 0, 0]> : tensor<3xi64>
  %y = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<0x3xf64>, tensor<2x3x4xf64>) offsets(%off : tensor<3xi64>) -> tensor<0x4xf64>
  return %y : tensor<0x4xf64>
}
// CHECK-LABEL: func.func @empty_gather
// CHECK: cascade.gather
func.func @empty_gather(%x: tensor<4x3xf64>) -> tensor<0x3xf64> {
  %i = arith.constant dense<> : tensor<0xi64>
  %y = cascade.gather %x[%i] : tensor<4x3xf64>, tensor<0xi64> -> tensor<0x3xf64>
  return %y : tensor<0x3xf64>
}
// No entries: the program's loop runs zero times and the rows stay zero.
// CHECK-LABEL: func.func @empty_scatter
// CHECK: tile.program grid([1])
func.func @empty_scatter(%x: tensor<0x3xf64>) -> tensor<4x3xf64> {
  %i = arith.constant dense<> : tensor<0xi64>
  %y = cascade.scatter %x[%i] : tensor<0x3xf64>, tensor<0xi64> -> tensor<4x3xf64>
  return %y : tensor<4x3xf64>
}
