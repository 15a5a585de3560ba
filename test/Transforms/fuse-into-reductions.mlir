// RUN: cascade-opt %s --split-input-file --cascade-fuse-into-reductions | FileCheck %s

// The attention step's exp and its sum over the keys (dimension 0 of the
// keys-first tile): one generic stores the exponentials (still read by P.V)
// and adds each into the sum.
#kq = affine_map<(k, q) -> (k, q)>
#q = affine_map<(k, q) -> (q)>
// CHECK-LABEL: func @exp_and_sum
// CHECK-SAME: (%[[S:.*]]: tensor<128x64xf32>, %[[M:.*]]: tensor<64xf32>
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "parallel"]
// CHECK-SAME: ins(%[[S]], %[[M]] :
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[MX:.*]]: f32, %{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[X]], %[[MX]]
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]]
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[E]]
// CHECK-NEXT: linalg.yield %[[E]], %[[SUM]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[F]]#0, %[[F]]#1
func.func @exp_and_sum(%s: tensor<128x64xf32>, %m: tensor<64xf32>)
    -> (tensor<128x64xf32>, tensor<64xf32>) {
  %empty = tensor.empty() : tensor<128x64xf32>
  %p = linalg.generic {indexing_maps = [#kq, #q, #kq],
                       iterator_types = ["parallel", "parallel"]}
      ins(%s, %m : tensor<128x64xf32>, tensor<64xf32>) outs(%empty : tensor<128x64xf32>) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<128x64xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<64xf32>
  %filled = linalg.fill ins(%zero : f32) outs(%init : tensor<64xf32>) -> tensor<64xf32>
  %l = linalg.generic {indexing_maps = [#kq, #q],
                       iterator_types = ["reduction", "parallel"]}
      ins(%p : tensor<128x64xf32>) outs(%filled : tensor<64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %acc, %x fastmath<reassoc,contract> : f32
    linalg.yield %a : f32
  } -> tensor<64xf32>
  return %p, %l : tensor<128x64xf32>, tensor<64xf32>
}

// -----

// Read by the reduction alone: left to upstream's elementwise fusion.
#kq = affine_map<(k, q) -> (k, q)>
#q = affine_map<(k, q) -> (q)>
// CHECK-LABEL: func @only_reader
// CHECK: linalg.generic
// CHECK-SAME: ["parallel", "parallel"]
// CHECK: linalg.generic
// CHECK-SAME: ["reduction", "parallel"]
func.func @only_reader(%s: tensor<128x64xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %empty = tensor.empty() : tensor<128x64xf32>
  %p = linalg.generic {indexing_maps = [#kq, #kq], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<128x64xf32>) outs(%empty : tensor<128x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  } -> tensor<128x64xf32>
  %l = linalg.generic {indexing_maps = [#kq, #q], iterator_types = ["reduction", "parallel"]}
      ins(%p : tensor<128x64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %acc, %x : f32
    linalg.yield %a : f32
  } -> tensor<64xf32>
  return %l : tensor<64xf32>
}

// -----

// Two reductions read the values: fused into the first (the max), whose
// stored values the second (the sum) reads.
#kq = affine_map<(k, q) -> (k, q)>
#q = affine_map<(k, q) -> (q)>
// CHECK-LABEL: func @two_reductions
// CHECK: %[[F:.*]]:2 = linalg.generic
// CHECK-SAME: ["reduction", "parallel"]
// CHECK: arith.negf
// CHECK: arith.maximumf
// CHECK: %[[L:.*]] = linalg.generic
// CHECK-SAME: ins(%[[F]]#0
// CHECK: return %[[F]]#1, %[[L]]
func.func @two_reductions(%s: tensor<128x64xf32>, %init: tensor<64xf32>)
    -> (tensor<64xf32>, tensor<64xf32>) {
  %empty = tensor.empty() : tensor<128x64xf32>
  %p = linalg.generic {indexing_maps = [#kq, #kq], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<128x64xf32>) outs(%empty : tensor<128x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = arith.negf %x : f32
    linalg.yield %e : f32
  } -> tensor<128x64xf32>
  %mx = linalg.generic {indexing_maps = [#kq, #q], iterator_types = ["reduction", "parallel"]}
      ins(%p : tensor<128x64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.maximumf %acc, %x : f32
    linalg.yield %a : f32
  } -> tensor<64xf32>
  %l = linalg.generic {indexing_maps = [#kq, #q], iterator_types = ["reduction", "parallel"]}
      ins(%p : tensor<128x64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %acc, %x : f32
    linalg.yield %a : f32
  } -> tensor<64xf32>
  return %mx, %l : tensor<64xf32>, tensor<64xf32>
}

// -----

// Another reader before the reduction: the fused generic, in the
// reduction's place, would define the values after their first use, so
// nothing changes.
#kq = affine_map<(k, q) -> (k, q)>
#q = affine_map<(k, q) -> (q)>
func.func private @use(tensor<128x64xf32>)
// CHECK-LABEL: func @reader_before
// CHECK: %[[P:.*]] = linalg.generic
// CHECK-SAME: ["parallel", "parallel"]
// CHECK: call @use(%[[P]])
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]]
func.func @reader_before(%s: tensor<128x64xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %empty = tensor.empty() : tensor<128x64xf32>
  %p = linalg.generic {indexing_maps = [#kq, #kq], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<128x64xf32>) outs(%empty : tensor<128x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = arith.negf %x : f32
    linalg.yield %e : f32
  } -> tensor<128x64xf32>
  func.call @use(%p) : (tensor<128x64xf32>) -> ()
  %l = linalg.generic {indexing_maps = [#kq, #q], iterator_types = ["reduction", "parallel"]}
      ins(%p : tensor<128x64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %acc, %x : f32
    linalg.yield %a : f32
  } -> tensor<64xf32>
  return %l : tensor<64xf32>
}

// -----

// A producer over fewer loops (a per-query value broadcast over the keys)
// would be recomputed for every key: not fused.
#kq = affine_map<(k, q) -> (k, q)>
#q = affine_map<(k, q) -> (q)>
#one = affine_map<(q) -> (q)>
// CHECK-LABEL: func @fewer_loops
// CHECK: linalg.generic
// CHECK-SAME: ["parallel"]
// CHECK: linalg.generic
// CHECK-SAME: ["reduction", "parallel"]
func.func @fewer_loops(%s: tensor<128x64xf32>, %m: tensor<64xf32>, %init: tensor<64xf32>)
    -> (tensor<64xf32>, tensor<64xf32>) {
  %empty = tensor.empty() : tensor<64xf32>
  %n = linalg.generic {indexing_maps = [#one, #one], iterator_types = ["parallel"]}
      ins(%m : tensor<64xf32>) outs(%empty : tensor<64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  } -> tensor<64xf32>
  %l = linalg.generic {indexing_maps = [#kq, #q, #q], iterator_types = ["reduction", "parallel"]}
      ins(%s, %n : tensor<128x64xf32>, tensor<64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %t = arith.mulf %x, %y : f32
    %a = arith.addf %acc, %t : f32
    linalg.yield %a : f32
  } -> tensor<64xf32>
  return %n, %l : tensor<64xf32>, tensor<64xf32>
}
