// RUN: cascade-opt %s --convert-scf-to-openmp --cascade-schedule-work-items --split-input-file | FileCheck %s --check-prefix=DYNAMIC
// RUN: cascade-opt %s --convert-scf-to-openmp --cascade-schedule-work-items=schedule=static --split-input-file | FileCheck %s --check-prefix=STATIC
// RUN: cascade-opt %s --convert-scf-to-openmp "--cascade-schedule-work-items=schedule=guided chunk=4" --split-input-file | FileCheck %s --check-prefix=GUIDED
// RUN: not cascade-opt %s --cascade-schedule-work-items=schedule=bogus --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-KIND
// RUN: not cascade-opt %s --cascade-schedule-work-items=chunk=0 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-CHUNK

// Work items (an scf.parallel) reach OpenMP as an omp.wsloop without a
// schedule, which OpenMP runs as static; the pass sets the one asked for.
// DYNAMIC-LABEL: func.func @work_items
// DYNAMIC: omp.parallel {
// DYNAMIC-NEXT: %[[CHUNK:.*]] = arith.constant 1 : i64
// DYNAMIC-NEXT: omp.wsloop schedule(dynamic = %[[CHUNK]] : i64) {
// DYNAMIC-NEXT: omp.loop_nest
// STATIC-LABEL: func.func @work_items
// STATIC-NOT: arith.constant 1 : i64
// STATIC: omp.wsloop schedule(static) {
// GUIDED-LABEL: func.func @work_items
// GUIDED: %[[CHUNK:.*]] = arith.constant 4 : i64
// GUIDED-NEXT: omp.wsloop schedule(guided = %[[CHUNK]] : i64) {
// BAD-KIND: error: cascade-schedule-work-items: unknown schedule 'bogus' (static, dynamic or guided)
// BAD-CHUNK: error: cascade-schedule-work-items: chunk must be at least 1, got 0
func.func @work_items(%out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    memref.store %one, %out[%i] : memref<64xf32>
    scf.reduce
  }
  return
}

// -----

// A loop whose schedule was chosen where it was made keeps it.
// DYNAMIC-LABEL: func.func @already_scheduled
// DYNAMIC: omp.wsloop schedule(static) {
// GUIDED-LABEL: func.func @already_scheduled
// GUIDED: omp.wsloop schedule(static) {
func.func @already_scheduled(%out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop schedule(static) {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %one, %out[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
