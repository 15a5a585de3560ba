// Run-time sequence lengths through the compiler core, on the float64
// reference: each @*_dynamic function is the @*_static one with ? lengths,
// run on the static one's random inputs (fresh seed) after
//   - cascade-decompose + cascade-sparsify: the block classes of every mask
//     come from a cascade.classify_blocks evaluated at run time (the
//     reference checks each lookup of them against the mask), and
//   - the whole cascade-lower-to-tiles pipeline, with the default blocks
//     (one key block) and with blocks of 8 (5 key blocks over 37 keys, the
//     last padded): the run-time lengths become the 1-pass form over a
//     run-time number of key blocks, the padding masked through a run-time
//     mask_extent, classified at run time, and one tile program per
//     attention with a run-time number of query tiles, a loop over the
//     run-time number of key blocks that skips empty blocks, and the
//     lengths as the program's parameters,
// and compared with the static composite. Lengths: 53 queries over 37 keys
// (bottom-right causal: the first 16 rows fully masked, result 0), odd
// sizes, a batch of 2, a 1-query decode.
// RUN: rm -rf %t && mkdir -p %t
// RUN: cascade-opt %s --cascade-decompose --cascade-sparsify="query-block=8 key-block=8" -o %t/sparse.mlir 2> %t/sparse.log
// RUN: FileCheck %s --check-prefix=REMARKS < %t/sparse.log
// REMARKS-DAG: blocks of [8, 8]: classified at run time (run-time extent)
// REMARKS-DAG: blocks of [8, 8]: {{[0-9]+}} empty, {{[0-9]+}} partial, {{[0-9]+}} full
// RUN: FileCheck %s --check-prefix=IR < %t/sparse.mlir
// IR-LABEL: func.func @causal_dynamic
// IR: cascade.classify_blocks #cascade.causal<bottom_right> extent([%{{.*}}, %{{.*}}]) block([8, 8]) : tensor<?x?xi8>
// IR: blocks(%{{.*}} : tensor<?x?xi8>) block([8, 8])
// RUN: cascade-opt %s --cascade-lower-to-tiles -o %t/tiles.mlir 2> %t/tiles.log
// RUN: not grep "error:" %t/tiles.log
// RUN: cascade-opt %s --cascade-lower-to-tiles="block-size=8 query-block=8" -o %t/tiles8.mlir 2> %t/tiles8.log
// RUN: not grep "error:" %t/tiles8.log
// RUN: FileCheck %s --check-prefix=ONEPASS < %t/tiles8.mlir
// ONEPASS-LABEL: func.func @causal_dynamic
// ONEPASS: %[[M:.*]] = tensor.dim %arg1, %c2
// ONEPASS: %[[NB:.*]] = arith.ceildivui %[[M]], %c8
// ONEPASS: %[[P:.*]] = tensor.dim %expanded, %c3
// ONEPASS: %[[CLS:.*]] = cascade.classify_blocks #cascade.causal<bottom_right> extent([%[[P]], %[[M]]]) block([8, 8]) : tensor<?x?xi8>
// One program: a run-time number of query tiles on the grid, the key
// length, the number of key blocks and the query length as parameters.
// ONEPASS: %[[OUT:.*]] = tensor.empty(%[[P]]) : tensor<1x2x2x?x8xf64>
// ONEPASS: %[[ROWS:.*]] = arith.ceildivui %{{.*}}, %c8
// K and V are read in place: the padding of their last block is what
// tile.load reads past the run-time length (cascade-fold-padded-tile-inputs;
// no padded copy of the keys is made).
// ONEPASS-NOT: tensor.pad
// ONEPASS: tile.program grid([1, 2, 2, %[[ROWS]]]) params(%[[M]], %[[NB]], %[[P]]) ins(%expanded, %arg1, %[[CLS]], {{.*}}) outs(%[[OUT]] : tensor<1x2x2x?x8xf64>)
// ONEPASS-NEXT: ^bb0({{.*}}, %[[ROW:[a-z0-9]+]]: index, %[[MARG:[a-z0-9]+]]: index, %[[NBARG:[a-z0-9]+]]: index, %[[PARG:[a-z0-9]+]]: index, %{{.*}}: memref<1x2x2x?x8xf64>, %[[K:[a-z0-9]+]]: memref<1x2x?x8xf64>, %[[CLSARG:[a-z0-9]+]]: memref<?x?xi8>,
// Full blocks before the one the key length ends in skip the mask test.
// ONEPASS: %[[FULLBLOCKS:.*]] = arith.divui %[[MARG]], %c8
// ONEPASS: scf.for %[[N:.*]] = %c0 to %[[NBARG]]
// ONEPASS: %[[CLASS:.*]] = memref.load %[[CLSARG]][%[[ROW]], %[[N]]]
// ONEPASS: %[[EMPTY:.*]] = arith.cmpi eq, %[[CLASS]], %c0_i8
// Empty blocks: the states as they were, K and V not loaded.
// ONEPASS: scf.if %[[EMPTY]]
// ONEPASS-NEXT: scf.yield %{{[a-z0-9]+}}, %{{[a-z0-9]+}}, %{{[a-z0-9]+}} :
// ONEPASS-NEXT: } else {
// ONEPASS: %[[KROW:.*]] = arith.muli %[[N]], %c8
// ONEPASS: tile.load %[[K]][%{{.*}}, %{{.*}}, %[[KROW]], %c0] pad(0.000000e+00) : memref<1x2x?x8xf64> -> tensor<1x1x8x8xf64>
// ONEPASS: arith.cmpi slt, %[[N]], %[[FULLBLOCKS]]
// ONEPASS: mask(#cascade.causal<bottom_right> on "p", "nm") mask_extent([%[[PARG]], %[[MARG]]]) mask_origin(
// ONEPASS-LABEL: func.func @window_static
//
// RUN: cascade-run %s --entry causal_static --random-inputs %seed --save-inputs %t/c_ --output %t/c.npy
// RUN: cascade-run %t/sparse.mlir --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles.mlir --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles8.mlir --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry window_static --random-inputs %seed --save-inputs %t/w_ --output %t/w.npy
// RUN: cascade-run %t/sparse.mlir --entry window_dynamic --input 0=%t/w_arg0.npy --input 1=%t/w_arg1.npy --input 2=%t/w_arg2.npy --expect 0=%t/w.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles.mlir --entry window_dynamic --input 0=%t/w_arg0.npy --input 1=%t/w_arg1.npy --input 2=%t/w_arg2.npy --expect 0=%t/w.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles8.mlir --entry window_dynamic --input 0=%t/w_arg0.npy --input 1=%t/w_arg1.npy --input 2=%t/w_arg2.npy --expect 0=%t/w.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry decode_static --random-inputs %seed --save-inputs %t/d_ --output %t/d.npy
// RUN: cascade-run %t/sparse.mlir --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles.mlir --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/tiles8.mlir --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// The CPU target compiles an entry point whose arguments have run-time
// sizes (its results need static shapes): the decode step over 29 keys, in
// one block and in 4 blocks of 8, and over an empty cache.
// RUN: cascade-run %s --target cpu --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry decode_empty_static --random-inputs %seed --save-inputs %t/de_ --output %t/de.npy
// RUN: cascade-run %s --target cpu --block-size 8 --entry decode_dynamic --input 0=%t/de_arg0.npy --input 1=%t/de_arg1.npy --input 2=%t/de_arg2.npy --expect 0=%t/de.npy --atol 0 --rtol 0 | FileCheck %s
// The CPU's defaults (blocks of 128, a decode step split into 4 scans)
// across block boundaries: 128 keys (one whole block), 129 (a second block
// of one key; two of the four scans empty) and 1 key, with huge logits
// (inputs scaled by 1000: the softmax is nearly one-hot).
// RUN: cascade-run %s --entry decode_static_128 --random-inputs %seed --save-inputs %t/d128_ --output %t/d128.npy
// RUN: cascade-run %s --target cpu --entry decode_dynamic --input 0=%t/d128_arg0.npy --input 1=%t/d128_arg1.npy --input 2=%t/d128_arg2.npy --expect 0=%t/d128.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry decode_static_129 --random-inputs %seed --save-inputs %t/d129_ --output %t/d129.npy
// RUN: cascade-run %s --target cpu --entry decode_dynamic --input 0=%t/d129_arg0.npy --input 1=%t/d129_arg1.npy --input 2=%t/d129_arg2.npy --expect 0=%t/d129.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry decode_static_1 --random-inputs %seed --save-inputs %t/d1_ --output %t/d1.npy
// RUN: cascade-run %s --target cpu --entry decode_dynamic --input 0=%t/d1_arg0.npy --input 1=%t/d1_arg1.npy --input 2=%t/d1_arg2.npy --expect 0=%t/d1.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --entry decode_huge_static --random-inputs %seed --save-inputs %t/dh_ --output %t/dh.npy
// RUN: cascade-run %s --target cpu --entry decode_huge_dynamic --input 0=%t/dh_arg0.npy --input 1=%t/dh_arg1.npy --input 2=%t/dh_arg2.npy --expect 0=%t/dh.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// A run-time size takes any length, the static ones must match.
// RUN: not cascade-run %s --target cpu --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/d_arg2.npy 2>&1 | FileCheck %s --check-prefix=CPUSHAPE
// CPUSHAPE: error: argument 'arg1' has shape 1x2x37x8xf64, the entry point takes tensor<1x4x?x8xf64>
// Split-KV over a run-time number of keys: the ceil(M / 8) blocks dealt to
// 2 scans of ceil(ceil(M / 8) / 2) blocks (a run-time size: the program's
// trip count and, times 8, the stride of a scan's keys), combined through
// their maxima. Checked on the causal, window and decode functions and on
// a run-time bias with the log-sum-exp (21 queries over 19 keys, the first
// 2 rows fully masked: LSE -inf), and a document mask whose ids are
// run-time tensors; the CPU with 2, 3 and 7 scans (29 keys in 4 blocks of
// 8: some scans empty) and an empty cache.
// RUN: cascade-opt %s --cascade-lower-to-tiles="block-size=8 query-block=8 splits=2" -o %t/split.mlir 2> %t/split.log
// RUN: not grep "error:" %t/split.log
// RUN: FileCheck %s --check-prefix=SPLIT < %t/split.mlir
// SPLIT-LABEL: func.func @causal_dynamic
// SPLIT: %[[M:.*]] = tensor.dim %arg1, %c2
// SPLIT: %[[NB:.*]] = arith.ceildivui %[[M]], %c8
// SPLIT: %[[PER:.*]] = arith.ceildivui %[[NB]], %c2
// SPLIT-NOT: tensor.pad
// SPLIT: tile.program grid([1, 2, 2, %{{.*}}, 2]) params(%[[PER]], {{.*}}) ins(%expanded, %arg1,
// SPLIT-NEXT: ^bb0(%{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: index, %{{[a-z0-9]+}}: index, %[[SCAN:[a-z0-9]+]]: index, %[[STEPS:[a-z0-9]+]]: index,
// SPLIT: scf.for %[[N:.*]] = %c0 to %[[STEPS]]
// The key block (scan, n) starts at n * 8 + scan * (8 * steps).
// SPLIT: %[[IN:.*]] = arith.muli %[[N]], %c8
// SPLIT: %[[SCAN8:.*]] = arith.muli %[[SCAN]], %c8
// SPLIT: %[[SCANK:.*]] = arith.muli %[[SCAN8]], %[[STEPS]]
// SPLIT: %[[ROW:.*]] = arith.addi %[[IN]], %[[SCANK]]
// SPLIT: tile.load %{{.*}}[%{{.*}}, %{{.*}}, %[[ROW]], %c0] pad(0.000000e+00) : memref<1x2x?x8xf64> -> tensor<1x1x8x8xf64>
// SPLIT-LABEL: func.func @window_static
// RUN: cascade-run %t/split.mlir --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/split.mlir --entry window_dynamic --input 0=%t/w_arg0.npy --input 1=%t/w_arg1.npy --input 2=%t/w_arg2.npy --expect 0=%t/w.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %t/split.mlir --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --splits 2 --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --splits 3 --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --splits 7 --entry decode_dynamic --input 0=%t/d_arg0.npy --input 1=%t/d_arg1.npy --input 2=%t/d_arg2.npy --expect 0=%t/d.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --splits 3 --entry decode_dynamic --input 0=%t/de_arg0.npy --input 1=%t/de_arg1.npy --input 2=%t/de_arg2.npy --expect 0=%t/de.npy --atol 0 --rtol 0 | FileCheck %s
// RUN: cascade-run %s --entry bias_lse_static --random-inputs %seed --save-inputs %t/bl_ --output %t/bl0.npy --output %t/bl1.npy
// RUN: cascade-run %t/split.mlir --entry bias_lse_dynamic --input 0=%t/bl_arg0.npy --input 1=%t/bl_arg1.npy --input 2=%t/bl_arg2.npy --input 3=%t/bl_arg3.npy --expect 0=%t/bl0.npy --expect 1=%t/bl1.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s --check-prefix=TWO
// RUN: cascade-run %s --entry doc_static --random-inputs %seed --save-inputs %t/dc_ --output %t/dc.npy
// RUN: cascade-run %t/split.mlir --entry doc_dynamic --input 0=%t/dc_arg0.npy --input 1=%t/dc_arg1.npy --input 2=%t/dc_arg2.npy --input 3=%t/dc_arg3.npy --input 4=%t/dc_arg4.npy --expect 0=%t/dc.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// TWO: expect 0: {{.*}}, 0 mismatches
// TWO: expect 1: {{.*}}, 0 mismatches
//
// No keys, or no queries (static: the passes leave the empty cascade alone,
// where the 1-pass rewrite divided by zero and tile programs crashed; at run
// time: zero key blocks, every row fully masked, result 0).
// RUN: cascade-run %s --entry no_keys_static --random-inputs %seed --save-inputs %t/nk_ --output %t/nk.npy
// RUN: cascade-run %t/tiles8.mlir --entry no_keys_static --input 0=%t/nk_arg0.npy --input 1=%t/nk_arg1.npy --input 2=%t/nk_arg2.npy --expect 0=%t/nk.npy --atol 0 --rtol 0 | FileCheck %s
// RUN: cascade-run %t/tiles8.mlir --entry causal_dynamic --input 0=%t/nk_arg0.npy --input 1=%t/nk_arg1.npy --input 2=%t/nk_arg2.npy --expect 0=%t/nk.npy --atol 0 --rtol 0 | FileCheck %s
// RUN: cascade-run %s --entry no_queries_static --random-inputs %seed --save-inputs %t/nq_ --output %t/nq.npy
// RUN: cascade-run %t/tiles8.mlir --entry no_queries_static --input 0=%t/nq_arg0.npy --input 1=%t/nq_arg1.npy --input 2=%t/nq_arg2.npy --expect 0=%t/nq.npy | FileCheck %s
// RUN: cascade-run %t/tiles8.mlir --entry causal_dynamic --input 0=%t/nq_arg0.npy --input 1=%t/nq_arg1.npy --input 2=%t/nq_arg2.npy --expect 0=%t/nq.npy | FileCheck %s
//
// Results of run-time size (the queries' length, read from q's buffer;
// the batch too for the window): prefill of any length on the CPU, with
// its fully masked rows, a run-time bias with the log-sum-exp, a document
// mask with run-time ids, no queries and no keys.
// RUN: cascade-run %s --target cpu --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --query-block 8 --entry causal_dynamic --input 0=%t/c_arg0.npy --input 1=%t/c_arg1.npy --input 2=%t/c_arg2.npy --expect 0=%t/c.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --entry window_dynamic --input 0=%t/w_arg0.npy --input 1=%t/w_arg1.npy --input 2=%t/w_arg2.npy --expect 0=%t/w.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --entry bias_lse_dynamic --input 0=%t/bl_arg0.npy --input 1=%t/bl_arg1.npy --input 2=%t/bl_arg2.npy --input 3=%t/bl_arg3.npy --expect 0=%t/bl0.npy --expect 1=%t/bl1.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s --check-prefix=TWO
// RUN: cascade-run %s --target cpu --block-size 8 --entry doc_dynamic --input 0=%t/dc_arg0.npy --input 1=%t/dc_arg1.npy --input 2=%t/dc_arg2.npy --input 3=%t/dc_arg3.npy --input 4=%t/dc_arg4.npy --expect 0=%t/dc.npy --atol 1e-12 --rtol 1e-10 | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --entry causal_dynamic --input 0=%t/nq_arg0.npy --input 1=%t/nq_arg1.npy --input 2=%t/nq_arg2.npy --expect 0=%t/nq.npy | FileCheck %s
// RUN: cascade-run %s --target cpu --block-size 8 --entry causal_dynamic --input 0=%t/nk_arg0.npy --input 1=%t/nk_arg1.npy --input 2=%t/nk_arg2.npy --expect 0=%t/nk.npy --atol 0 --rtol 0 | FileCheck %s
//
// MoE with a run-time token count (decomposed; the permutation lowered to
// counting scans over the run-time number of slots, perm scattered into
// that many rows; the router, the scans and the positions become tile
// programs over run-time grids; gathers, scatters and grouped contractions
// stay whole ops with run-time sizes): 13 tokens and a 1-token decode
// through the same @moe_dynamic; the sigmoid router's bias keeps expert 0
// empty.
// RUN: FileCheck %s --check-prefix=MOEDYN < %t/tiles.mlir
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
func.func @causal_dynamic(%q: tensor<1x4x?x8xf64>, %k: tensor<1x2x?x8xf64>, %v: tensor<1x2x?x8xf64>) -> tensor<1x4x?x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x?x8xf64>, tensor<1x2x?x8xf64>, tensor<1x2x?x8xf64> -> tensor<1x4x?x8xf64>
  return %o : tensor<1x4x?x8xf64>
}

// Batch 2, sliding window, softcap and ALiBi, run-time batch too.
func.func @window_static(%q: tensor<2x2x45x16xf64>, %k: tensor<2x2x45x16xf64>, %v: tensor<2x2x45x16xf64>) -> tensor<2x2x45x16xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.sliding_window<left = 6, right = 2>) {softcap = 2.0 : f64, alibi} : tensor<2x2x45x16xf64>, tensor<2x2x45x16xf64>, tensor<2x2x45x16xf64> -> tensor<2x2x45x16xf64>
  return %o : tensor<2x2x45x16xf64>
}
func.func @window_dynamic(%q: tensor<?x2x?x16xf64>, %k: tensor<?x2x?x16xf64>, %v: tensor<?x2x?x16xf64>) -> tensor<?x2x?x16xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.sliding_window<left = 6, right = 2>) {softcap = 2.0 : f64, alibi} : tensor<?x2x?x16xf64>, tensor<?x2x?x16xf64>, tensor<?x2x?x16xf64> -> tensor<?x2x?x16xf64>
  return %o : tensor<?x2x?x16xf64>
}

// Decode: one query over a run-time number of keys.
func.func @decode_static(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x29x8xf64>, %v: tensor<1x4x29x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x29x8xf64>, tensor<1x4x29x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
func.func @decode_dynamic(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x?x8xf64>, %v: tensor<1x4x?x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x?x8xf64>, tensor<1x4x?x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}

// Softmax router, SwiGLU experts, a shared expert.
func.func @moe_static(%x: tensor<13x16xf64>, %wr: tensor<16x8xf64>, %wg: tensor<8x16x24xf64>, %wu: tensor<8x16x24xf64>, %wd: tensor<8x24x16xf64>, %sg: tensor<16x20xf64>, %sd: tensor<20x16xf64>) -> tensor<13x16xf64> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf64>) k(2) experts(swiglu %wg, %wu, %wd : tensor<8x16x24xf64>, tensor<8x16x24xf64>, tensor<8x24x16xf64>) shared(%sg, %sg, %sd : tensor<16x20xf64>, tensor<16x20xf64>, tensor<20x16xf64>) {normalize} : tensor<13x16xf64> -> tensor<13x16xf64>
  return %y : tensor<13x16xf64>
}
func.func @moe_one_static(%x: tensor<1x16xf64>, %wr: tensor<16x8xf64>, %wg: tensor<8x16x24xf64>, %wu: tensor<8x16x24xf64>, %wd: tensor<8x24x16xf64>, %sg: tensor<16x20xf64>, %sd: tensor<20x16xf64>) -> tensor<1x16xf64> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf64>) k(2) experts(swiglu %wg, %wu, %wd : tensor<8x16x24xf64>, tensor<8x16x24xf64>, tensor<8x24x16xf64>) shared(%sg, %sg, %sd : tensor<16x20xf64>, tensor<16x20xf64>, tensor<20x16xf64>) {normalize} : tensor<1x16xf64> -> tensor<1x16xf64>
  return %y : tensor<1x16xf64>
}
func.func @moe_dynamic(%x: tensor<?x16xf64>, %wr: tensor<16x8xf64>, %wg: tensor<8x16x24xf64>, %wu: tensor<8x16x24xf64>, %wd: tensor<8x24x16xf64>, %sg: tensor<16x20xf64>, %sd: tensor<20x16xf64>) -> tensor<?x16xf64> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf64>) k(2) experts(swiglu %wg, %wu, %wd : tensor<8x16x24xf64>, tensor<8x16x24xf64>, tensor<8x24x16xf64>) shared(%sg, %sg, %sd : tensor<16x20xf64>, tensor<16x20xf64>, tensor<20x16xf64>) {normalize} : tensor<?x16xf64> -> tensor<?x16xf64>
  return %y : tensor<?x16xf64>
}

// Group-limited sigmoid router, GELU experts; the bias steers every token
// away from expert 0 (an empty expert).
func.func @moe_sigmoid_static(%x: tensor<11x16xf64>, %wr: tensor<16x16xf64>, %wu: tensor<16x16x8xf64>, %wd: tensor<16x8x16xf64>) -> tensor<11x16xf64> {
  %b = arith.constant dense<[-100.0, 0.0, 0.5, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf64>
  %y = cascade.moe %x router(sigmoid_bias %wr : tensor<16x16xf64>) router_bias(%b : tensor<16xf64>) k(4) experts(gelu %wu, %wd : tensor<16x16x8xf64>, tensor<16x8x16xf64>) {num_groups = 4, groups_kept = 2, routed_scale = 2.5 : f64} : tensor<11x16xf64> -> tensor<11x16xf64>
  return %y : tensor<11x16xf64>
}
func.func @moe_sigmoid_dynamic(%x: tensor<?x16xf64>, %wr: tensor<16x16xf64>, %wu: tensor<16x16x8xf64>, %wd: tensor<16x8x16xf64>) -> tensor<?x16xf64> {
  %b = arith.constant dense<[-100.0, 0.0, 0.5, 0.0, 0.25, 0.0, 0.0, 0.0, 0.0, 0.125, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf64>
  %y = cascade.moe %x router(sigmoid_bias %wr : tensor<16x16xf64>) router_bias(%b : tensor<16xf64>) k(4) experts(gelu %wu, %wd : tensor<16x16x8xf64>, tensor<16x8x16xf64>) {num_groups = 4, groups_kept = 2, routed_scale = 2.5 : f64} : tensor<?x16xf64> -> tensor<?x16xf64>
  return %y : tensor<?x16xf64>
}

func.func @no_keys_static(%q: tensor<1x4x5x8xf64>, %k: tensor<1x2x0x8xf64>, %v: tensor<1x2x0x8xf64>) -> tensor<1x4x5x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x5x8xf64>, tensor<1x2x0x8xf64>, tensor<1x2x0x8xf64> -> tensor<1x4x5x8xf64>
  return %o : tensor<1x4x5x8xf64>
}
func.func @no_queries_static(%q: tensor<1x4x0x8xf64>, %k: tensor<1x2x9x8xf64>, %v: tensor<1x2x9x8xf64>) -> tensor<1x4x0x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x0x8xf64>, tensor<1x2x9x8xf64>, tensor<1x2x9x8xf64> -> tensor<1x4x0x8xf64>
  return %o : tensor<1x4x0x8xf64>
}
func.func @bias_lse_static(%q: tensor<1x2x21x8xf64>, %k: tensor<1x2x19x8xf64>, %v: tensor<1x2x19x8xf64>, %b: tensor<21x19xf64>) -> (tensor<1x2x21x8xf64>, tensor<1x2x21xf64>) {
  %o, %l = cascade.attention %q, %k, %v bias(%b : tensor<21x19xf64>) mask(#cascade.causal<bottom_right>) : tensor<1x2x21x8xf64>, tensor<1x2x19x8xf64>, tensor<1x2x19x8xf64> -> tensor<1x2x21x8xf64>, tensor<1x2x21xf64>
  return %o, %l : tensor<1x2x21x8xf64>, tensor<1x2x21xf64>
}
func.func @bias_lse_dynamic(%q: tensor<1x2x?x8xf64>, %k: tensor<1x2x?x8xf64>, %v: tensor<1x2x?x8xf64>, %b: tensor<?x?xf64>) -> (tensor<1x2x?x8xf64>, tensor<1x2x?xf64>) {
  %o, %l = cascade.attention %q, %k, %v bias(%b : tensor<?x?xf64>) mask(#cascade.causal<bottom_right>) : tensor<1x2x?x8xf64>, tensor<1x2x?x8xf64>, tensor<1x2x?x8xf64> -> tensor<1x2x?x8xf64>, tensor<1x2x?xf64>
  return %o, %l : tensor<1x2x?x8xf64>, tensor<1x2x?xf64>
}
func.func @doc_static(%q: tensor<1x1x23x8xf64>, %k: tensor<1x1x23x8xf64>, %v: tensor<1x1x23x8xf64>, %qs: tensor<23xi32>, %ks: tensor<23xi32>) -> tensor<1x1x23x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.document) mask_args(%qs, %ks : tensor<23xi32>, tensor<23xi32>) : tensor<1x1x23x8xf64>, tensor<1x1x23x8xf64>, tensor<1x1x23x8xf64> -> tensor<1x1x23x8xf64>
  return %o : tensor<1x1x23x8xf64>
}
func.func @doc_dynamic(%q: tensor<1x1x?x8xf64>, %k: tensor<1x1x?x8xf64>, %v: tensor<1x1x?x8xf64>, %qs: tensor<?xi32>, %ks: tensor<?xi32>) -> tensor<1x1x?x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.document) mask_args(%qs, %ks : tensor<?xi32>, tensor<?xi32>) : tensor<1x1x?x8xf64>, tensor<1x1x?x8xf64>, tensor<1x1x?x8xf64> -> tensor<1x1x?x8xf64>
  return %o : tensor<1x1x?x8xf64>
}

// A decode step over an empty cache (the static form: the passes leave it
// alone; its inputs feed @decode_dynamic with zero keys: result 0).
func.func @decode_empty_static(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x0x8xf64>, %v: tensor<1x4x0x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x0x8xf64>, tensor<1x4x0x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}

// Decode twins across the CPU's block of 128 keys, and huge logits.
func.func @decode_static_128(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x128x8xf64>, %v: tensor<1x4x128x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x128x8xf64>, tensor<1x4x128x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
func.func @decode_static_129(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x129x8xf64>, %v: tensor<1x4x129x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x129x8xf64>, tensor<1x4x129x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
func.func @decode_static_1(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x1x8xf64>, %v: tensor<1x4x1x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x1x8xf64>, tensor<1x4x1x8xf64>, tensor<1x4x1x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
// Queries and keys scaled by 1000 inside (logits ~1e6).
func.func @decode_huge_static(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x200x8xf64>, %v: tensor<1x4x200x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) {scale = 1000.0 : f64} : tensor<1x4x1x8xf64>, tensor<1x4x200x8xf64>, tensor<1x4x200x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
func.func @decode_huge_dynamic(%q: tensor<1x4x1x8xf64>, %k: tensor<1x4x?x8xf64>, %v: tensor<1x4x?x8xf64>) -> tensor<1x4x1x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) {scale = 1000.0 : f64} : tensor<1x4x1x8xf64>, tensor<1x4x?x8xf64>, tensor<1x4x?x8xf64> -> tensor<1x4x1x8xf64>
  return %o : tensor<1x4x1x8xf64>
}
