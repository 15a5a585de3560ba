// reference(composite) == reference(decomposed) on fresh random inputs
// (%seed, printed by lit). The composites are executed by their definition,
// so these check the decomposition, masks and GQA included.
//
// RUN: cascade-opt %s --cascade-decompose -o %t.mlir
// RUN: not grep -E "cascade\.(attention|moe)" %t.mlir
//
// RUN: cascade-run %s --entry causal_gqa --random-inputs %seed --output %t.0.npy --output %t.1.npy
// RUN: cascade-run %t.mlir --entry causal_gqa --random-inputs %seed --expect 0=%t.0.npy --expect 1=%t.1.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry mqa_odd_sizes --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry mqa_odd_sizes --random-inputs %seed --expect 0=%t.0.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry decode_bottom_right --random-inputs %seed --output %t.0.npy --output %t.1.npy
// RUN: cascade-run %t.mlir --entry decode_bottom_right --random-inputs %seed --expect 0=%t.0.npy --expect 1=%t.1.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry window_softcap_alibi --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry window_softcap_alibi --random-inputs %seed --expect 0=%t.0.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry prefix_bias4 --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry prefix_bias4 --random-inputs %seed --expect 0=%t.0.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry document_causal --random-inputs %seed --output %t.0.npy --output %t.1.npy
// RUN: cascade-run %t.mlir --entry document_causal --random-inputs %seed --expect 0=%t.0.npy --expect 1=%t.1.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry neighborhood_2d --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry neighborhood_2d --random-inputs %seed --expect 0=%t.0.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry block_sparse_bias3 --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry block_sparse_bias3 --random-inputs %seed --expect 0=%t.0.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry dynamic_blocks --random-inputs %seed --output %t.0.npy --output %t.1.npy
// RUN: cascade-run %t.mlir --entry dynamic_blocks --random-inputs %seed --expect 0=%t.0.npy --expect 1=%t.1.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry huge_logits --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry huge_logits --random-inputs %seed --expect 0=%t.0.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry f16_head_dim_80 --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry f16_head_dim_80 --random-inputs %seed --expect 0=%t.0.npy --atol 2e-3 --rtol 2e-3
//
// RUN: cascade-run %s --entry decode_one_query --random-inputs %seed --output %t.0.npy --output %t.1.npy
// RUN: cascade-run %t.mlir --entry decode_one_query --random-inputs %seed --expect 0=%t.0.npy --expect 1=%t.1.npy --atol 1e-12 --rtol 1e-10
//
// RUN: cascade-run %s --entry moe_softmax_swiglu_shared --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry moe_softmax_swiglu_shared --random-inputs %seed --expect 0=%t.0.npy --atol 1e-10 --rtol 1e-10
//
// RUN: cascade-run %s --entry moe_capacity_drop --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry moe_capacity_drop --random-inputs %seed --expect 0=%t.0.npy --atol 1e-10 --rtol 1e-10
//
// RUN: cascade-run %s --entry moe_topk_softmax_gelu --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry moe_topk_softmax_gelu --random-inputs %seed --expect 0=%t.0.npy --atol 1e-10 --rtol 1e-10
//
// RUN: cascade-run %s --entry moe_sigmoid_grouped --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry moe_sigmoid_grouped --random-inputs %seed --expect 0=%t.0.npy --atol 1e-10 --rtol 1e-10
//
// RUN: cascade-run %s --entry moe_many_experts_few_tokens --random-inputs %seed --output %t.0.npy
// RUN: cascade-run %t.mlir --entry moe_many_experts_few_tokens --random-inputs %seed --expect 0=%t.0.npy --atol 1e-10 --rtol 1e-10

func.func @causal_gqa(%q: tensor<2x8x33x16xf64>, %k: tensor<2x2x33x16xf64>, %v: tensor<2x2x33x24xf64>) -> (tensor<2x8x33x24xf64>, tensor<2x8x33xf64>) {
  %o, %l = cascade.attention %q, %k, %v mask(#cascade.causal) : tensor<2x8x33x16xf64>, tensor<2x2x33x16xf64>, tensor<2x2x33x24xf64> -> tensor<2x8x33x24xf64>, tensor<2x8x33xf64>
  return %o, %l : tensor<2x8x33x24xf64>, tensor<2x8x33xf64>
}

func.func @mqa_odd_sizes(%q: tensor<1x3x100x80xf64>, %k: tensor<1x1x77x80xf64>, %v: tensor<1x1x77x80xf64>) -> tensor<1x3x100x80xf64> {
  %o = cascade.attention %q, %k, %v : tensor<1x3x100x80xf64>, tensor<1x1x77x80xf64>, tensor<1x1x77x80xf64> -> tensor<1x3x100x80xf64>
  return %o : tensor<1x3x100x80xf64>
}

// Queries 0..2 see no key (bottom-right causal with 8 queries, 5 keys):
// fully masked rows give 0 and lse -inf on both sides.
func.func @decode_bottom_right(%q: tensor<1x4x8x16xf64>, %k: tensor<1x2x5x16xf64>, %v: tensor<1x2x5x16xf64>) -> (tensor<1x4x8x16xf64>, tensor<1x4x8xf64>) {
  %o, %l = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x8x16xf64>, tensor<1x2x5x16xf64>, tensor<1x2x5x16xf64> -> tensor<1x4x8x16xf64>, tensor<1x4x8xf64>
  return %o, %l : tensor<1x4x8x16xf64>, tensor<1x4x8xf64>
}

func.func @window_softcap_alibi(%q: tensor<1x4x40x16xf64>, %k: tensor<1x4x40x16xf64>, %v: tensor<1x4x40x16xf64>) -> tensor<1x4x40x16xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.sliding_window<left = 7, right = 2>) {softcap = 2.0 : f64, alibi, scale = 0.5 : f64} : tensor<1x4x40x16xf64>, tensor<1x4x40x16xf64>, tensor<1x4x40x16xf64> -> tensor<1x4x40x16xf64>
  return %o : tensor<1x4x40x16xf64>
}

func.func @prefix_bias4(%q: tensor<2x4x24x8xf64>, %k: tensor<2x2x24x8xf64>, %v: tensor<2x2x24x8xf64>, %b: tensor<2x4x24x24xf64>) -> tensor<2x4x24x8xf64> {
  %o = cascade.attention %q, %k, %v bias(%b : tensor<2x4x24x24xf64>) mask(#cascade.prefix_lm<prefix = 5>) : tensor<2x4x24x8xf64>, tensor<2x2x24x8xf64>, tensor<2x2x24x8xf64> -> tensor<2x4x24x8xf64>
  return %o : tensor<2x4x24x8xf64>
}

// Random segment ids in [0, 4): queries whose id no earlier key shares are
// fully masked.
func.func @document_causal(%q: tensor<1x2x30x8xf64>, %k: tensor<1x2x30x8xf64>, %v: tensor<1x2x30x8xf64>, %qs: tensor<30xi32> {cascade.range = array<i64: 0, 4>}, %ks: tensor<30xi32> {cascade.range = array<i64: 0, 4>}) -> (tensor<1x2x30x8xf64>, tensor<1x2x30xf64>) {
  %o, %l = cascade.attention %q, %k, %v mask(#cascade.all_of<[#cascade.causal, #cascade.document]>) mask_args(%qs, %ks : tensor<30xi32>, tensor<30xi32>) : tensor<1x2x30x8xf64>, tensor<1x2x30x8xf64>, tensor<1x2x30x8xf64> -> tensor<1x2x30x8xf64>, tensor<1x2x30xf64>
  return %o, %l : tensor<1x2x30x8xf64>, tensor<1x2x30xf64>
}

func.func @neighborhood_2d(%q: tensor<1x2x48x8xf64>, %k: tensor<1x2x48x8xf64>, %v: tensor<1x2x48x8xf64>) -> tensor<1x2x48x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.neighborhood<grid = [6, 8], kernel = [3, 3], dilation = [1, 2]>) : tensor<1x2x48x8xf64>, tensor<1x2x48x8xf64>, tensor<1x2x48x8xf64> -> tensor<1x2x48x8xf64>
  return %o : tensor<1x2x48x8xf64>
}

func.func @block_sparse_bias3(%q: tensor<1x4x20x8xf64>, %k: tensor<1x2x20x8xf64>, %v: tensor<1x2x20x8xf64>, %b: tensor<4x20x20xf64>) -> tensor<1x4x20x8xf64> {
  %o = cascade.attention %q, %k, %v bias(%b : tensor<4x20x20xf64>) mask(#cascade.block_sparse<block = [8, 8], table = dense<[[true, false, false], [false, true, false], [true, false, true]]> : tensor<3x3xi1>>) : tensor<1x4x20x8xf64>, tensor<1x2x20x8xf64>, tensor<1x2x20x8xf64> -> tensor<1x4x20x8xf64>
  return %o : tensor<1x4x20x8xf64>
}

// Block indices in [-1, 3): rows of -1 only are fully masked query blocks.
func.func @dynamic_blocks(%q: tensor<1x2x20x8xf64>, %k: tensor<1x2x24x8xf64>, %v: tensor<1x2x24x8xf64>, %blocks: tensor<5x2xi64> {cascade.range = array<i64: -1, 3>}) -> (tensor<1x2x20x8xf64>, tensor<1x2x20xf64>) {
  %o, %l = cascade.attention %q, %k, %v mask(#cascade.dynamic_block_sparse<block = [4, 8]>) mask_args(%blocks : tensor<5x2xi64>) : tensor<1x2x20x8xf64>, tensor<1x2x24x8xf64>, tensor<1x2x24x8xf64> -> tensor<1x2x20x8xf64>, tensor<1x2x20xf64>
  return %o, %l : tensor<1x2x20x8xf64>, tensor<1x2x20xf64>
}

// Logits of order 1e4: a naive exp overflows, the max-subtracted form must not.
func.func @huge_logits(%q: tensor<1x2x16x8xf64>, %k: tensor<1x2x16x8xf64>, %v: tensor<1x2x16x8xf64>) -> tensor<1x2x16x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal) {scale = 3000.0 : f64} : tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64> -> tensor<1x2x16x8xf64>
  return %o : tensor<1x2x16x8xf64>
}

func.func @f16_head_dim_80(%q: tensor<1x4x37x80xf16>, %k: tensor<1x2x37x80xf16>, %v: tensor<1x2x37x80xf16>) -> tensor<1x4x37x80xf16> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal) : tensor<1x4x37x80xf16>, tensor<1x2x37x80xf16>, tensor<1x2x37x80xf16> -> tensor<1x4x37x80xf16>
  return %o : tensor<1x4x37x80xf16>
}

// Decode: one query against 300 cached keys (GQA 4:1), with the lse.
func.func @decode_one_query(%q: tensor<1x8x1x32xf64>, %k: tensor<1x2x300x32xf64>, %v: tensor<1x2x300x32xf64>) -> (tensor<1x8x1x32xf64>, tensor<1x8x1xf64>) {
  %o, %l = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x8x1x32xf64>, tensor<1x2x300x32xf64>, tensor<1x2x300x32xf64> -> tensor<1x8x1x32xf64>, tensor<1x8x1xf64>
  return %o, %l : tensor<1x8x1x32xf64>, tensor<1x8x1xf64>
}

func.func @moe_softmax_swiglu_shared(%x: tensor<13x16xf64>, %wr: tensor<16x8xf64>, %wg: tensor<8x16x24xf64>, %wu: tensor<8x16x24xf64>, %wd: tensor<8x24x16xf64>, %sg: tensor<16x20xf64>, %su: tensor<16x20xf64>, %sd: tensor<20x16xf64>) -> tensor<13x16xf64> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf64>) k(2) experts(swiglu %wg, %wu, %wd : tensor<8x16x24xf64>, tensor<8x16x24xf64>, tensor<8x24x16xf64>) shared(%sg, %su, %sd : tensor<16x20xf64>, tensor<16x20xf64>, tensor<20x16xf64>) {normalize} : tensor<13x16xf64> -> tensor<13x16xf64>
  return %y : tensor<13x16xf64>
}

// Capacity ceil(0.5 * 13 * 2 / 4) = 4 slots per expert: overloaded experts drop.
func.func @moe_capacity_drop(%x: tensor<13x16xf64>, %wr: tensor<16x4xf64>, %wg: tensor<4x16x24xf64>, %wu: tensor<4x16x24xf64>, %wd: tensor<4x24x16xf64>) -> tensor<13x16xf64> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x4xf64>) k(2) experts(swiglu %wg, %wu, %wd : tensor<4x16x24xf64>, tensor<4x16x24xf64>, tensor<4x24x16xf64>) {capacity_factor = 0.5 : f64} : tensor<13x16xf64> -> tensor<13x16xf64>
  return %y : tensor<13x16xf64>
}

func.func @moe_topk_softmax_gelu(%x: tensor<9x12xf64>, %wr: tensor<12x6xf64>, %wu: tensor<6x12x10xf64>, %wd: tensor<6x10x12xf64>, %su: tensor<12x8xf64>, %sd: tensor<8x12xf64>) -> tensor<9x12xf64> {
  %y = cascade.moe %x router(topk_softmax %wr : tensor<12x6xf64>) k(3) experts(gelu %wu, %wd : tensor<6x12x10xf64>, tensor<6x10x12xf64>) shared(%su, %sd : tensor<12x8xf64>, tensor<8x12xf64>) : tensor<9x12xf64> -> tensor<9x12xf64>
  return %y : tensor<9x12xf64>
}

func.func @moe_sigmoid_grouped(%x: tensor<11x16xf64>, %wr: tensor<16x16xf64>, %b: tensor<16xf64>, %wg: tensor<16x16x8xf64>, %wu: tensor<16x16x8xf64>, %wd: tensor<16x8x16xf64>) -> tensor<11x16xf64> {
  %y = cascade.moe %x router(sigmoid_bias %wr : tensor<16x16xf64>) router_bias(%b : tensor<16xf64>) k(4) experts(swiglu %wg, %wu, %wd : tensor<16x16x8xf64>, tensor<16x16x8xf64>, tensor<16x8x16xf64>) {num_groups = 4, groups_kept = 2, routed_scale = 2.5 : f64} : tensor<11x16xf64> -> tensor<11x16xf64>
  return %y : tensor<11x16xf64>
}

// 3 tokens x top-1 over 32 experts: most experts get no token.
func.func @moe_many_experts_few_tokens(%x: tensor<3x8xf64>, %wr: tensor<8x32xf64>, %wu: tensor<32x8x4xf64>, %wd: tensor<32x4x8xf64>) -> tensor<3x8xf64> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<8x32xf64>) k(1) experts(gelu %wu, %wd : tensor<32x8x4xf64>, tensor<32x4x8xf64>) : tensor<3x8xf64> -> tensor<3x8xf64>
  return %y : tensor<3x8xf64>
}
