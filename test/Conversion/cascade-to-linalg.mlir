// RUN: cascade-opt %s --cascade-convert-to-linalg --canonicalize -split-input-file | FileCheck %s
// Numeric equivalence of the lowering: test/Target/CPU/numeric.test.

// A masked contraction: one generic, output filled with the reduction's
// identity, the causal predicate over linalg.index keeps the accumulator.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @masked_scores
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[S]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[INIT]] : tensor<4x6xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[P:.*]] = arith.mulf %[[A]], %[[B]]
// CHECK: %[[SUM:.*]] = arith.addf %[[ACC]], %[[P]]
// CHECK: %[[QI:.*]] = linalg.index 0
// CHECK: %[[KI:.*]] = linalg.index 1
// CHECK: %[[CAUSAL:.*]] = arith.cmpi sle, %[[KI]], %[[QI]]
// CHECK: %[[KEEP:.*]] = arith.andi %{{.*}}, %[[CAUSAL]]
// CHECK: %[[R:.*]] = arith.select %[[KEEP]], %[[SUM]], %[[ACC]]
// CHECK: linalg.yield %[[R]]
func.func @masked_scores(%q: tensor<4x8xf32>, %k: tensor<6x8xf32>) -> tensor<4x6xf32> {
  %s = cascade.einsum "pe,me->pm" ins(%q, %k : tensor<4x8xf32>, tensor<6x8xf32>) map(mul) reduce(add) mask(#cascade.causal on "p", "m") -> tensor<4x6xf32>
  return %s : tensor<4x6xf32>
}

// -----

// reduce(max) starts from -inf and propagates NaN (maximumf).
// CHECK-LABEL: func.func @row_max
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: arith.maximumf
func.func @row_max(%s: tensor<4x6xf32>) -> tensor<4xf32> {
  %m = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(max) -> tensor<4xf32>
  return %m : tensor<4xf32>
}

// -----

// Without a reduction, a masked point takes the fill value.
// CHECK-LABEL: func.func @masked_map
// CHECK: %[[FILL:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.generic
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[FILL]]
func.func @masked_map(%s: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %m = cascade.einsum "pm->pm" ins(%s : tensor<4x6xf32>) mask(#cascade.sliding_window<left = 1, right = 0> on "p", "m") -> tensor<4x6xf32>
  return %m : tensor<4x6xf32>
}

// -----

// An iterative einsum: the state at n = 0 is the init, each step an
// ordinary einsum on the previous state, inserted at n + 1. Slices keep
// their unit dimension and reshapes drop or add it (a rank-reducing slice
// is ambiguous next to other unit dimensions).
// CHECK-LABEL: func.func @running_sum
// CHECK-SAME: (%[[X:.*]]: tensor<5x3xf32>, %[[INIT:.*]]: tensor<3xf32>)
// CHECK: %[[INIT2:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0, 1]] output_shape [1, 3]
// CHECK: %[[FIRST:.*]] = tensor.insert_slice %[[INIT2]] into %{{.*}}[0, 0] [1, 3]
// CHECK: scf.for %[[N:.*]] = %c0 to %c5 step %c1 iter_args(%[[R:.*]] = %[[FIRST]])
// CHECK: %[[PREV2:.*]] = tensor.extract_slice %[[R]][%[[N]], 0] [1, 3]
// CHECK: %[[PREV:.*]] = tensor.collapse_shape %[[PREV2]] {{\[}}[0, 1]] : tensor<1x3xf32> into tensor<3xf32>
// CHECK: %[[XN2:.*]] = tensor.extract_slice %[[X]][%[[N]], 0] [1, 3]
// CHECK: %[[XN:.*]] = tensor.collapse_shape %[[XN2]]
// CHECK: %[[NEXT:.*]] = linalg.generic {{.*}} ins(%[[PREV]], %[[XN]] :
// CHECK: arith.addf
// CHECK: %[[N1:.*]] = arith.addi %[[N]], %c1
// CHECK: %[[NEXT2:.*]] = tensor.expand_shape %[[NEXT]]
// CHECK: tensor.insert_slice %[[NEXT2]] into %[[R]][%[[N1]], 0] [1, 3]
func.func @running_sum(%x: tensor<5x3xf32>, %init: tensor<3xf32>) -> tensor<6x3xf32> {
  %r = cascade.einsum "nd->nd" ins(%x : tensor<5x3xf32>) iterate("n" init %init : tensor<3xf32>) {
  ^bb0(%prev: f32, %v: f32):
    %s = arith.addf %prev, %v : f32
    cascade.yield %s : f32
  } -> tensor<6x3xf32>
  return %r : tensor<6x3xf32>
}

// -----

// A grouped einsum: one contraction per group over rows offsets[g] to
// offsets[g + 1] with the group's weight slice; other rows stay zero.
// CHECK-LABEL: func.func @experts
// CHECK-SAME: (%[[X:.*]]: tensor<10x4xf32>, %[[W:.*]]: tensor<3x4x5xf32>, %[[OFF:.*]]: tensor<4xi64>)
// CHECK: %[[ZEROS:.*]] = linalg.fill
// CHECK: %[[CHECKED:.*]] = cascade.check_indices %[[OFF]] in[0, 11) nondecreasing what("'offsets' of cascade.grouped_einsum")
// CHECK: scf.for %[[G:.*]] = %c0 to %c3 step %c1 iter_args(%[[OUT:.*]] = %[[ZEROS]])
// CHECK: %[[B:.*]] = tensor.extract %[[CHECKED]][%[[G]]]
// CHECK: %[[BEGIN:.*]] = arith.index_cast %[[B]]
// CHECK: %[[ROWS:.*]] = arith.subi
// CHECK: %[[SEG:.*]] = tensor.extract_slice %[[X]][%[[BEGIN]], 0] [%[[ROWS]], 4]
// CHECK: %[[WG1:.*]] = tensor.extract_slice %[[W]][%[[G]], 0, 0] [1, 4, 5]
// CHECK: %[[WG:.*]] = tensor.collapse_shape %[[WG1]] {{\[}}[0, 1], [2]] : tensor<1x4x5xf32> into tensor<4x5xf32>
// CHECK: %[[PART:.*]] = linalg.generic {{.*}} ins(%[[SEG]], %[[WG]] : tensor<?x4xf32>, tensor<4x5xf32>)
// CHECK: tensor.insert_slice %[[PART]] into %[[OUT]][%[[BEGIN]], 0] [%[[ROWS]], 5]
func.func @experts(%x: tensor<10x4xf32>, %w: tensor<3x4x5xf32>, %off: tensor<4xi64>) -> tensor<10x5xf32> {
  %h = cascade.grouped_einsum "rh,ehi->ri" ins(%x, %w : tensor<10x4xf32>, tensor<3x4x5xf32>) offsets(%off : tensor<4xi64>) -> tensor<10x5xf32>
  return %h : tensor<10x5xf32>
}

// -----

// Block classes of a mask read at run time: kept (1) / dropped (2) bits per
// block, then 1 -> full (2), 2 -> empty (0), both -> partial (1).
// CHECK-LABEL: func.func @doc_classes
// CHECK: %[[BITS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: tensor.extract %arg0
// CHECK: tensor.extract %arg1
// CHECK: arith.ori
// CHECK: linalg.generic {{.*}} ins(%[[BITS]] : tensor<2x2xi8>)
func.func @doc_classes(%qs: tensor<8xi32>, %ks: tensor<8xi32>) -> tensor<2x2xi8> {
  %c = cascade.classify_blocks #cascade.document extent([8, 8]) block([4, 4]) mask_args(%qs, %ks : tensor<8xi32>, tensor<8xi32>) : tensor<2x2xi8>
  return %c : tensor<2x2xi8>
}
