// RUN: cascade-opt %s --cascade-decompose --split-input-file | FileCheck %s
// The pass is reachable through --pass-pipeline too.
// RUN: cascade-opt %s --pass-pipeline="builtin.module(cascade-decompose)" --split-input-file | FileCheck %s

// GQA attention: query heads split into [kv_heads, group]; the six einsums
// of the 3-pass cascade (QK^T, logits, max, exp, sum, normalise) then AV.
// CHECK-LABEL: func @gqa_causal
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x16x64xf32>, %[[K:.*]]: tensor<1x2x16x64xf32>, %[[V:.*]]: tensor<1x2x16x64xf32>)
// CHECK: %[[QG:.*]] = tensor.expand_shape %[[Q]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 4, 16, 64]
// CHECK: %[[S:.*]] = cascade.einsum "bhgpd,bhmd->bhgpm" ins(%[[QG]], %[[K]] : {{.*}}) map(mul) reduce(add) -> tensor<1x2x4x16x16xf32>
// CHECK: %[[L:.*]] = cascade.einsum "bhgpm->bhgpm" ins(%[[S]] : {{.*}}) mask(#cascade.causal on "p", "m") {
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK: arith.mulf
// CHECK: } -> tensor<1x2x4x16x16xf32>
// CHECK: %[[MX:.*]] = cascade.einsum "bhgpm->bhgp" ins(%[[L]] : {{.*}}) reduce(max)
// CHECK: %[[E:.*]] = cascade.einsum "bhgpm,bhgp->bhgpm" ins(%[[L]], %[[MX]] : {{.*}}) {
// CHECK: arith.cmpf oeq
// CHECK: math.exp
// CHECK: arith.select
// CHECK: %[[SUM:.*]] = cascade.einsum "bhgpm->bhgp" ins(%[[E]] : {{.*}}) reduce(add)
// CHECK: %[[A:.*]] = cascade.einsum "bhgpm,bhgp->bhgpm" ins(%[[E]], %[[SUM]] : {{.*}}) {
// CHECK: arith.divf
// CHECK: %[[O:.*]] = cascade.einsum "bhgpm,bhmf->bhgpf" ins(%[[A]], %[[V]] : {{.*}}) map(mul) reduce(add)
// CHECK: %[[OUT:.*]] = tensor.collapse_shape %[[O]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x4x16x64xf32> into tensor<1x8x16x64xf32>
// CHECK: return %[[OUT]]
// CHECK-NOT: cascade.attention
func.func @gqa_causal(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) -> tensor<1x8x16x64xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal) : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32> -> tensor<1x8x16x64xf32>
  return %o : tensor<1x8x16x64xf32>
}

// -----

// MHA (no GQA split), f16 in/out with f32 intermediates, softcap, ALiBi,
// bias, a runtime mask and the log-sum-exp.
// CHECK-LABEL: func @mha_f16_everything
// CHECK-NOT: tensor.expand_shape %arg0
// CHECK: cascade.einsum "bhpd,bhmd->bhpm" {{.*}} -> tensor<1x2x8x8xf32>
// CHECK: cascade.einsum "bhpm,pm->bhpm" ins(%{{.*}}, %arg3 : tensor<1x2x8x8xf32>, tensor<8x8xf16>) mask(#cascade.document on "p", "m") mask_args(%arg4, %arg4 : tensor<8xi32>, tensor<8xi32>) {
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: f16):
// CHECK: math.tanh
// CHECK: cascade.coord "h"
// CHECK: math.exp2
// CHECK: cascade.coord "m"
// CHECK: cascade.coord "p"
// CHECK: arith.extf
// CHECK: cascade.einsum "bhpm,bhmf->bhpf"
// CHECK: cascade.einsum "bhpf->bhpf" ins(%{{.*}} : tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf16>
// CHECK: cascade.einsum "bhp,bhp->bhp"
// CHECK: math.log
// CHECK: return %{{.*}}, %{{.*}} : tensor<1x2x8x16xf16>, tensor<1x2x8xf32>
func.func @mha_f16_everything(%q: tensor<1x2x8x16xf16>, %k: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xf16>, %b: tensor<8x8xf16>, %seg: tensor<8xi32>) -> (tensor<1x2x8x16xf16>, tensor<1x2x8xf32>) {
  %o, %l = cascade.attention %q, %k, %v bias(%b : tensor<8x8xf16>) mask(#cascade.document) mask_args(%seg, %seg : tensor<8xi32>, tensor<8xi32>) {softcap = 30.0 : f64, alibi} : tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16> -> tensor<1x2x8x16xf16>, tensor<1x2x8xf32>
  return %o, %l : tensor<1x2x8x16xf16>, tensor<1x2x8xf32>
}

// -----

// Top-2 SwiGLU MoE: router, softmax, topk, permute, gather, grouped
// contractions, weighted scatter. Capacity ceil(1.0 * 5 * 2 / 8) = 2.
// CHECK-LABEL: func @moe_swiglu
// CHECK-SAME: (%[[X:.*]]: tensor<5x16xf32>, %[[WR:.*]]: tensor<16x8xf32>, %[[WG:.*]]: tensor<8x16x32xf32>, %[[WU:.*]]: tensor<8x16x32xf32>, %[[WD:.*]]: tensor<8x32x16xf32>)
// CHECK: %[[LOGITS:.*]] = cascade.einsum "th,he->te" ins(%[[X]], %[[WR]] : {{.*}}) map(mul) reduce(add)
// CHECK: cascade.einsum "te->t" ins(%[[LOGITS]] : {{.*}}) reduce(max)
// CHECK: math.exp
// CHECK: cascade.einsum "te->t" {{.*}} reduce(add)
// CHECK: %[[PROBS:.*]] = cascade.einsum "te,t->te" {{.*}} map(div)
// CHECK: %[[W:.*]], %[[I:.*]] = cascade.topk %[[PROBS]] k(2) : tensor<5x8xf32> -> tensor<5x2xf32>, tensor<5x2xi64>
// CHECK: cascade.einsum "tj->t" {{.*}} reduce(add)
// CHECK: %[[WN:.*]] = cascade.einsum "tj,t->tj" {{.*}} map(div)
// CHECK: %[[PERM:.*]], %[[OFF:.*]] = cascade.permute %[[I]] groups(8) capacity(2) : tensor<5x2xi64> -> tensor<10xi64>, tensor<9xi64>
// CHECK: %[[ROWS:.*]] = cascade.gather %[[X]][%[[PERM]]] divisor(2) : tensor<5x16xf32>, tensor<10xi64> -> tensor<10x16xf32>
// CHECK: %[[G:.*]] = cascade.grouped_einsum "rh,ehi->ri" ins(%[[ROWS]], %[[WG]] : {{.*}}) offsets(%[[OFF]] : tensor<9xi64>)
// CHECK: %[[U:.*]] = cascade.grouped_einsum "rh,ehi->ri" ins(%[[ROWS]], %[[WU]] : {{.*}}) offsets(%[[OFF]] : tensor<9xi64>)
// CHECK: %[[ACT:.*]] = cascade.einsum "ri,ri->ri" ins(%[[G]], %[[U]] : {{.*}}) {
// CHECK: math.exp
// CHECK: %[[D:.*]] = cascade.grouped_einsum "ri,eih->rh" ins(%[[ACT]], %[[WD]] : {{.*}}) offsets(%[[OFF]] : tensor<9xi64>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[WN]] {{\[\[}}0, 1]] : tensor<5x2xf32> into tensor<10xf32>
// CHECK: %[[RW:.*]] = cascade.gather %[[FLAT]][%[[PERM]]] : tensor<10xf32>, tensor<10xi64> -> tensor<10xf32>
// CHECK: %[[OUT:.*]] = cascade.scatter %[[D]][%[[PERM]]] weights(%[[RW]] : tensor<10xf32>) divisor(2) : tensor<10x16xf32>, tensor<10xi64> -> tensor<5x16xf32>
// CHECK: return %[[OUT]]
func.func @moe_swiglu(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %wg: tensor<8x16x32xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>) -> tensor<5x16xf32> {
  %y = cascade.moe %x router(softmax_topk %wr : tensor<16x8xf32>) k(2) experts(swiglu %wg, %wu, %wd : tensor<8x16x32xf32>, tensor<8x16x32xf32>, tensor<8x32x16xf32>) {normalize, capacity_factor = 1.0 : f64} : tensor<5x16xf32> -> tensor<5x16xf32>
  return %y : tensor<5x16xf32>
}

// -----

// DeepSeek-style router: sigmoid scores, biased choice with group limiting,
// unbiased weights renormalised and scaled; GELU shared expert.
// CHECK-LABEL: func @moe_sigmoid
// CHECK: %[[S:.*]] = cascade.einsum "te->te" {{.*}} {
// CHECK: %[[BIASED:.*]] = cascade.einsum "te,e->te" ins(%{{.*}}, %[[B:.*]] : {{.*}}) map(add)
// CHECK: %[[V:.*]], %[[I:.*]] = cascade.topk %[[BIASED]] k(2) groups(4, 2)
// The weights are the unbiased scores, gathered at t * E + expert.
// CHECK: %[[FLAT:.*]] = cascade.einsum "tj->tj" ins(%[[I]] : tensor<5x2xi64>) {
// CHECK-DAG: arith.constant 8 : i64
// CHECK-DAG: cascade.coord "t"
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: } -> tensor<5x2xi64>
// CHECK: %[[SCORES:.*]] = tensor.collapse_shape %[[S]] {{\[\[}}0, 1]] : tensor<5x8xf32> into tensor<40xf32>
// CHECK: cascade.gather %[[SCORES]][%[[FLAT]]] : tensor<40xf32>, tensor<5x2xi64> -> tensor<5x2xf32>
// CHECK: arith.constant 2.500000e+00 : f32
// CHECK: cascade.permute %[[I]] groups(8) :
// CHECK: math.erf
// CHECK: cascade.scatter
// CHECK: cascade.einsum "th,hs->ts"
// CHECK: math.erf
// CHECK: cascade.einsum "ts,sh->th"
// CHECK: cascade.einsum "th,th->th" {{.*}} map(add)
func.func @moe_sigmoid(%x: tensor<5x16xf32>, %wr: tensor<16x8xf32>, %b: tensor<8xf32>, %wu: tensor<8x16x32xf32>, %wd: tensor<8x32x16xf32>, %su: tensor<16x24xf32>, %sd: tensor<24x16xf32>) -> tensor<5x16xf32> {
  %y = cascade.moe %x router(sigmoid_bias %wr : tensor<16x8xf32>) router_bias(%b : tensor<8xf32>) k(2) experts(gelu %wu, %wd : tensor<8x16x32xf32>, tensor<8x32x16xf32>) shared(%su, %sd : tensor<16x24xf32>, tensor<24x16xf32>) {num_groups = 4, groups_kept = 2, routed_scale = 2.5 : f64} : tensor<5x16xf32> -> tensor<5x16xf32>
  return %y : tensor<5x16xf32>
}

