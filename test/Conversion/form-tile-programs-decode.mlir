// Decode (one query row per work item): the tiles hold several of the query
// heads that share a key/value head, so that a work item loads each key and
// value block once for them, as many as keep `min-work-items` work items.
// 2 key/value heads of 4 query heads each: all 4 in a tile (2 work items),
// 2 (4 work items), or 1 (8 work items, as for any other program).
// RUN: cascade-opt %s --cascade-pipeline="block-size=16" -o %t.core.mlir 2>/dev/null
// RUN: cascade-opt %t.core.mlir --cascade-form-tile-programs="min-work-items=1" -o %t.1.mlir
// RUN: FileCheck %s --check-prefix=ALL --input-file=%t.1.mlir
// RUN: cascade-opt %t.core.mlir --cascade-form-tile-programs="min-work-items=4" -o %t.4.mlir
// RUN: FileCheck %s --check-prefix=TWO --input-file=%t.4.mlir
// RUN: cascade-opt %t.core.mlir --cascade-form-tile-programs -o %t.16.mlir
// RUN: FileCheck %s --check-prefix=ONE --input-file=%t.16.mlir
// With 8 key/value heads of 4 query heads each, the default (16) groups 2
// per tile: 16 work items. Each the same as the composite on the reference
// (fresh seed), and on the CPU:
// RUN: %compare-reference %s %t.1.mlir %seed 1e-12 1e-10 decode_gqa
// RUN: %compare-reference %s %t.4.mlir %seed 1e-12 1e-10 decode_gqa
// RUN: %compare-reference %s %t.16.mlir %seed 1e-12 1e-10 decode_gqa
// RUN: %compare-reference %s %t.16.mlir %seed 1e-12 1e-10 decode_gqa8
// RUN: env CASCADE_AFTER_FLAGS="--target cpu --block-size 16" %compare-reference %s %s %seed 1e-12 1e-10 decode_gqa decode_gqa8
//
// ALL: tile.program grid([1, 2, 1, 1])
// ALL: cascade.einsum "bhgpd,bhnmd->bhgpnm" ins(%{{.*}}, %{{.*}} : tensor<1x1x4x1x16xf64>, tensor<1x1x1x16x16xf64>)
// TWO: tile.program grid([1, 2, 2, 1])
// TWO: cascade.einsum "bhgpd,bhnmd->bhgpnm" ins(%{{.*}}, %{{.*}} : tensor<1x1x2x1x16xf64>, tensor<1x1x1x16x16xf64>)
// ONE: tile.program grid([1, 2, 4, 1])
// ONE: cascade.einsum "bhgpd,bhnmd->bhgpnm" ins(%{{.*}}, %{{.*}} : tensor<1x1x1x1x16xf64>, tensor<1x1x1x16x16xf64>)
// ONE: tile.program grid([1, 8, 2, 1])
// ONE: cascade.einsum "bhgpd,bhnmd->bhgpnm" ins(%{{.*}}, %{{.*}} : tensor<1x1x2x1x16xf64>, tensor<1x1x1x16x16xf64>)
func.func @decode_gqa(%q: tensor<1x8x1x16xf64>, %k: tensor<1x2x37x16xf64>, %v: tensor<1x2x37x16xf64>) -> tensor<1x8x1x16xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x8x1x16xf64>, tensor<1x2x37x16xf64>, tensor<1x2x37x16xf64> -> tensor<1x8x1x16xf64>
  return %o : tensor<1x8x1x16xf64>
}
func.func @decode_gqa8(%q: tensor<1x32x1x16xf64>, %k: tensor<1x8x37x16xf64>, %v: tensor<1x8x37x16xf64>) -> tensor<1x32x1x16xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x32x1x16xf64>, tensor<1x8x37x16xf64>, tensor<1x8x37x16xf64> -> tensor<1x32x1x16xf64>
  return %o : tensor<1x32x1x16xf64>
}
