// MoE with a run-time token count: decomposes (the reference runs it), but
// its whole routing ops have no CPU lowering of run-time size yet: an error,
// not a crash.
// MOEDYN-LABEL: func.func @moe_dynamic
// MOEDYN-NOT: = cascade.permute
// The router: a run-time number of token tiles.
// MOEDYN: %[[T:.*]] = tensor.dim %arg0, %c0 : tensor<?x16xf64>
// MOEDYN: %[[TILES:.*]] = arith.ceildivui %[[T]], %c64
// MOEDYN: tile.program grid([%[[TILES]]]) ins(%arg0, %arg1 : tensor<?x16xf64>, tensor<16x8xf64>)
// The counting scan: one work item stepping over the run-time number of
// slots, a parameter.
// MOEDYN: %[[SLOTS:.*]] = tensor.dim %collapsed, %c0 : tensor<?xi64>
// MOEDYN: tile.program grid([]) params(%[[SLOTS]]) ins(%collapsed, %{{.*}} : tensor<?xi64>, tensor<8xi64>)
// MOEDYN-NEXT: ^bb0(%[[STEPS:[a-z0-9]+]]: index,
// MOEDYN: scf.for %[[S:.*]] = %{{.*}} to %[[STEPS]]
// MOEDYN: tile.load %{{.*}}[%[[S]]] : memref<?xi64> -> tensor<1xi64>
// MOEDYN: cascade.einsum "se,s,e->se"
// MOEDYN: cascade.scatter %{{.*}}[%{{.*}}] rows(%[[SLOTS]]) : tensor<?xi64>, tensor<?xi64> -> tensor<?xi64>
// MOEDYN-LABEL: func.func @moe_sigmoid_static
// RUN: cascade-run %s --entry moe_static --random-inputs %seed --save-inputs %t/m_ --output %t/m.npy
// RUN: cascade-run %t/sparse.mlir --entry moe_dynamic --input 0=%t/m_arg0.npy --input 1=%t/m_arg1.npy --input 2=%t/m_arg2.npy --input 3=%t/m_arg3.npy --input 4=%t/m_arg4.npy --input 5=%t/m_arg5.npy --input 6=%t/m_arg6.npy --expect 0=%t/m.npy --atol 1e-9 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles.mlir --entry moe_dynamic --input 0=%t/m_arg0.npy --input 1=%t/m_arg1.npy --input 2=%t/m_arg2.npy --input 3=%t/m_arg3.npy --input 4=%t/m_arg4.npy --input 5=%t/m_arg5.npy --input 6=%t/m_arg6.npy --expect 0=%t/m.npy --atol 1e-9 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry moe_one_static --random-inputs %seed --save-inputs %t/o_ --output %t/o.npy
// RUN: cascade-run %t/tiles.mlir --entry moe_dynamic --input 0=%t/o_arg0.npy --input 1=%t/o_arg1.npy --input 2=%t/o_arg2.npy --input 3=%t/o_arg3.npy --input 4=%t/o_arg4.npy --input 5=%t/o_arg5.npy --input 6=%t/o_arg6.npy --expect 0=%t/o.npy --atol 1e-9 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry moe_sigmoid_static --random-inputs %seed --save-inputs %t/s_ --output %t/s.npy
// RUN: cascade-run %t/tiles.mlir --entry moe_sigmoid_dynamic --input 0=%t/s_arg0.npy --input 1=%t/s_arg1.npy --input 2=%t/s_arg2.npy --input 3=%t/s_arg3.npy --expect 0=%t/s.npy --atol 1e-9 --rtol 1e-10 | FileCheck %s
// CHECK: expect 0: {{.*}}, 0 mismatches

// GQA (4 query heads over 2), bottom-right causal, more queries than keys.
func.func @causal_static(%q: tensor<1x4x53x8xf64>, %k: tensor<1x2x37x8xf64>, %v: tensor<1x2x37x8xf64>) -> tensor<1x4x53x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x53x8xf64>, tensor<1x2x37x8xf64>, tensor<1x2x37x8xf64> -> tensor<1x4x53x8xf64>
  return %o : tensor<1x4x53x8xf64>
}
func.func @moe_dynamic(%x: tensor<?x16xf64>, %wr: tensor<16x8xf64>, %wg: tensor<8x16x24xf64>, %wu: tensor<8x16x24xf64>, %wd: tensor<8x24x16xf64>, %sg: tensor<16x20xf64>, %sd: tensor<20x16xf64>) -> tensor<?x16xf64> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf64>) k(2) experts(swiglu %wg, %wu, %wd : tensor<8x16x24xf64>, tensor<8x16x24xf64>, tensor<8x24x16xf64>) shared(%sg, %sg, %sd : tensor<16x20xf64>, tensor<16x20xf64>, tensor<20x16xf64>) {normalize} : tensor<?x16xf64> -> tensor<?x16xf64>
  return %y : tensor<?x16xf64>
}
