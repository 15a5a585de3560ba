// RUN: cascade-opt %s --cascade-parallelize-host-loops --split-input-file | FileCheck %s
// RUN: cascade-opt %s "--cascade-parallelize-host-loops=min-elements=64 min-row-elements=8 block-elements=8" --split-input-file | FileCheck %s --check-prefix=LOW

// A large fill outside the work items (a grouped product's zero init):
// blocks of 6 rows of 2816 (at least 16384 elements each) in parallel.
// CHECK-LABEL: func.func @large_fill
// CHECK: scf.parallel (%[[I:.*]]) = (%c0{{.*}}) to (%c8192{{.*}}) step (%c6{{.*}}) {
// CHECK: %[[ROWS:.*]] = memref.subview %arg0[%[[I]], 0] [%{{.*}}, 2816] [1, 1]
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[ROWS]] :
// CHECK-NOT: linalg.fill
func.func @large_fill(%buf: memref<8192x2816xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%buf : memref<8192x2816xf32>)
  return
}

// -----

// An elementwise op with a run-time row count (an expert's rows) and 2816
// static columns (at least 2048): blocks of 6 rows, the last one shorter.
// CHECK-LABEL: func.func @expert_rows
// CHECK: %[[T:.*]] = memref.dim %arg0, %c0
// CHECK: scf.parallel (%[[I:.*]]) = (%c0{{.*}}) to (%[[T]]) step (%c6{{.*}}) {
// CHECK: %[[N:.*]] = affine.min
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : memref<?x2816xf32, {{.*}}>) outs(%{{.*}} : memref<?x2816xf32, {{.*}}>)
// CHECK: math.exp
func.func @expert_rows(%x: memref<?x2816xf32>, %y: memref<?x2816xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x2816xf32>) outs(%y : memref<?x2816xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A leading batch of 1 is skipped: the heads are the blocks. A row has a
// run-time size, so each block is one head.
// CHECK-LABEL: func.func @batch_of_one
// CHECK: scf.parallel (%[[H:.*]]) = (%c0{{.*}}) to (%c16{{.*}}) step (%c1{{.*}}) {
// CHECK: memref.subview %arg0[0, %[[H]], 0, 0] [1, 1, %{{.*}}, 128] [1, 1, 1, 1]
func.func @batch_of_one(%o: memref<1x16x?x128xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%o : memref<1x16x?x128xf32>)
  return
}

// -----

// Left alone: small ops (below min-elements, or a run-time size with fewer
// than min-row-elements static elements), an op whose first loop is a
// reduction, and ops inside a parallel loop (a work item's own).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.parallel
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg0 : memref<64x128xf32>)
// CHECK-NOT: scf.parallel
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg1 : memref<?x128xf32>)
// CHECK-NOT: scf.parallel
// CHECK: linalg.generic
// CHECK: scf.parallel
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: scf.reduce
// LOW-LABEL: func.func @left_alone
// With lower thresholds the two fills are spread, in blocks of one row.
// LOW: scf.parallel
// LOW: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<1x128xf32, {{.*}}>)
// LOW: scf.parallel
// LOW: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<1x128xf32, {{.*}}>)
// The reduction's first loop stays serial, whatever the sizes.
// LOW-NOT: scf.parallel
// LOW: linalg.generic
// LOW: scf.parallel
// LOW-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%arg4 : memref<512x512xf32>)
func.func @left_alone(%small: memref<64x128xf32>, %rows: memref<?x128xf32>,
                      %wide: memref<4096x4096xf32>, %sums: memref<4096xf32>,
                      %tile: memref<512x512xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%small : memref<64x128xf32>)
  linalg.fill ins(%zero : f32) outs(%rows : memref<?x128xf32>)
  // Sums over the rows: the first loop reduces.
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%wide : memref<4096x4096xf32>) outs(%sums : memref<4096xf32>) {
  ^bb0(%a: f32, %s: f32):
    %t = arith.addf %a, %s : f32
    linalg.yield %t : f32
  }
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    linalg.fill ins(%zero : f32) outs(%tile : memref<512x512xf32>)
    scf.reduce
  }
  return
}
