// RUN: cascade-opt %s --cascade-lower-routing | FileCheck %s
// RUN: cascade-opt %s --cascade-lower-routing -o %t.mlir
// RUN: %compare-reference %s %t.mlir %seed 0 0 permute_dropless permute_capacity permute_many_experts combine
// The scans as tile programs (cascade-form-tile-programs): no einsum is left
// whole; the reference and the CPU run them.
// RUN: cascade-opt %s --cascade-lower-routing --cascade-form-tile-programs -o %t.tiles.mlir 2>&1 | count 0
// RUN: FileCheck %s --check-prefix=TILES --input-file=%t.tiles.mlir
// RUN: not grep -E "^    %[^ ]+ = cascade\.einsum" %t.tiles.mlir
// RUN: %compare-reference %s %t.tiles.mlir %seed 0 0 permute_dropless permute_capacity permute_many_experts combine two_permutes_share_keys offsets_only
// RUN: env CASCADE_AFTER_FLAGS="--target cpu" %compare-reference %s %t.tiles.mlir %seed 0 0 permute_dropless permute_capacity permute_many_experts two_permutes_share_keys
// With the fuzzer's pipeline (cascade-fuzz-ir found both): the two
// permutes' expert ranks are one rank, so the first expert scan takes the
// second permute's capacity clamp as a step; the second slot scan must not
// take it again (an op in two programs was erased twice). And with only the
// offsets used, the slot scan has no per-step output, so the experts become
// its grid rank, tiled by 2: the counting step's `cascade.coord "e"` must
// read the tile's origin (it read 0..1 in every tile: wrong offsets).
// RUN: cascade-opt %s --cascade-lower-routing --cascade-online-softmax="block-size=3 splits=2" --cascade-sparsify="query-block=2 key-block=3" --cascade-form-tile-programs="group-rows=3 query-block=2" -o %t.fuzz.mlir
// RUN: %compare-reference %s %t.fuzz.mlir %seed 0 0 permute_dropless permute_capacity two_permutes_share_keys offsets_only
// The CPU's f64 weighting rounds differently (fused multiply-adds).
// RUN: env CASCADE_AFTER_FLAGS="--target cpu" %compare-reference %s %t.tiles.mlir %seed 1e-15 1e-14 combine

// Dropless: 7 tokens x 2 slots over 4 experts. A scan over the 14 slots counts
// each expert's slots (and gives each slot its rank), a scan over the experts
// gives the offsets, each slot goes to offset + rank: no sort.
// Keys outside [0, 4) are a run-time error (cascade.check_indices).
// CHECK-LABEL: func @permute_dropless
// CHECK-NOT: = cascade.permute
// CHECK: %[[CHECKED:.*]] = cascade.check_indices %arg0 in[0, 4) what("cascade.permute keys") : tensor<7x2xi64>
// CHECK: %[[KEYS:.*]] = tensor.collapse_shape %[[CHECKED]] {{\[\[}}0, 1]] : tensor<7x2xi64> into tensor<14xi64>
// CHECK: %[[COUNTS:.*]] = cascade.einsum "s,e->se" ins(%[[KEYS]], %{{.*}} : tensor<14xi64>, tensor<4xi64>) iterate("s" init
// CHECK: } -> tensor<15x4xi64>
// CHECK: %[[RANK:.*]] = cascade.einsum "se,s->s" {{.*}} reduce(add)
// CHECK: %[[OFF:.*]] = cascade.einsum "e->e" {{.*}} iterate("e" init %{{.*}} : tensor<i64>)
// CHECK: } -> tensor<5xi64>
// CHECK: %[[POS:.*]] = cascade.einsum "e,s,s->s" {{.*}} reduce(add) {
// CHECK: cascade.scatter %{{.*}}[%[[POS]]]
// CHECK: return %{{.*}}, %[[OFF]]
// As tile programs: the slot scan is one work item (grid([])) walking the 14
// slots with the 4 counts as its state; each step stores the slot's rank (the
// count before it). The expert scan stores its states whole (the offsets:
// entry 0 before the loop, entry e + 1 after step e). The destinations read
// both scans: a program of their own.
// TILES-LABEL: func @permute_dropless
// TILES: %[[SLOTS:.*]]:3 = tile.program grid([]) ins(%[[KEYS:.*]], %{{.*}} : tensor<14xi64>, tensor<4xi64>) outs(
// TILES-NEXT: ^bb0(%[[KEYBUF:.*]]: memref<14xi64>, %[[INIT:.*]]: memref<4xi64>, %[[FINAL:.*]]: memref<4xi64>, %[[RANKS:.*]]: memref<14xi64>, %{{.*}}: memref<14xi64>):
// TILES: scf.for %[[S:.*]] = %{{.*}} to %c14 step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<4xi64>)
// TILES: tile.load %[[KEYBUF]][%[[S]]] : memref<14xi64> -> tensor<1xi64>
// TILES: cascade.einsum "se,s,e->se"
// TILES: %[[RANK:.*]] = cascade.einsum "se,s->s" {{.*}} reduce(add)
// TILES: tile.store %[[RANK]], %[[RANKS]][%[[S]]] : tensor<1xi64> -> memref<14xi64>
// TILES: tile.store %{{.*}}, %[[FINAL]][%{{.*}}] : tensor<4xi64> -> memref<4xi64>
// TILES: %[[OFF:.*]]:2 = tile.program grid([]) ins(%[[SLOTS]]#0, %{{.*}} : tensor<4xi64>, tensor<i64>) outs(
// TILES-NEXT: ^bb0(%[[COUNTS:.*]]: memref<4xi64>, %{{.*}}: memref<i64>, %[[HIST:.*]]: memref<5xi64>, %{{.*}}: memref<4xi64>):
// TILES: tile.store %{{.*}}, %[[HIST]][%[[ZERO:.*]]] : tensor<1xi64> -> memref<5xi64>
// TILES: scf.for %[[E:.*]] = %[[ZERO]] to %c4
// TILES: tile.load %[[COUNTS]][%[[E]]]
// TILES: %[[NEXT:.*]] = arith.addi %[[E]], %{{.*}} : index
// TILES: tile.store %{{.*}}, %[[HIST]][%[[NEXT]]] : tensor<1xi64> -> memref<5xi64>
// TILES: tile.program grid([1]) ins(%[[OFF]]#1, %[[KEYS]], %[[SLOTS]]#1 :
// TILES: cascade.einsum "e,s,s->s"
// TILES: return %{{.*}}, %[[OFF]]#0
func.func @permute_dropless(%keys: tensor<7x2xi64> {cascade.range = array<i64: 0, 4>}) -> (tensor<14xi64>, tensor<5xi64>) {
  %perm, %off = cascade.permute %keys groups(4) : tensor<7x2xi64> -> tensor<14xi64>, tensor<5xi64>
  return %perm, %off : tensor<14xi64>, tensor<5xi64>
}

// Capacity 2 of 3 experts over 11 slots: overloaded experts drop slots, which
// appear as -1 at the end of perm.
// CHECK-LABEL: func @permute_capacity
// CHECK: arith.minsi
// CHECK: arith.cmpi slt
func.func @permute_capacity(%keys: tensor<11xi64> {cascade.range = array<i64: 0, 3>}) -> (tensor<11xi64>, tensor<4xi64>) {
  %perm, %off = cascade.permute %keys groups(3) capacity(2) : tensor<11xi64> -> tensor<11xi64>, tensor<4xi64>
  return %perm, %off : tensor<11xi64>, tensor<4xi64>
}

// 32 experts for 5 slots: most experts are empty.
func.func @permute_many_experts(%keys: tensor<5x1xi64> {cascade.range = array<i64: 0, 32>}) -> (tensor<5xi64>, tensor<33xi64>) {
  %perm, %off = cascade.permute %keys groups(32) : tensor<5x1xi64> -> tensor<5xi64>, tensor<33xi64>
  return %perm, %off : tensor<5xi64>, tensor<33xi64>
}

// The weighted combine: a scatter-add through perm becomes an un-permute,
// each token gathering its 2 rows at their positions.
// CHECK-LABEL: func @combine
// CHECK-NOT: cascade.scatter %[[ROWS:.*]][%{{.*}}] weights
// CHECK: %[[G:.*]] = cascade.gather %arg1[%[[P:.*]]] : tensor<12x5xf64>, tensor<12xi64> -> tensor<12x5xf64>
// CHECK: %[[T:.*]] = tensor.expand_shape %[[G]] {{\[\[}}0, 1], [2]] output_shape [6, 2, 5]
// CHECK: cascade.einsum "tjh,tj->th" ins(%[[T]], %{{.*}} : tensor<6x2x5xf64>, tensor<6x2xf64>) reduce(add) {
// CHECK: arith.mulf
// CHECK: } -> tensor<6x5xf64>
func.func @combine(%keys: tensor<6x2xi64> {cascade.range = array<i64: 0, 3>}, %rows: tensor<12x5xf64>, %w: tensor<12xf64>) -> tensor<6x5xf64> {
  %perm, %off = cascade.permute %keys groups(3) capacity(3) : tensor<6x2xi64> -> tensor<12xi64>, tensor<4xi64>
  %pw = cascade.gather %w[%perm] : tensor<12xf64>, tensor<12xi64> -> tensor<12xf64>
  %y = cascade.scatter %rows[%perm] weights(%pw : tensor<12xf64>) divisor(2) : tensor<12x5xf64>, tensor<12xi64> -> tensor<6x5xf64>
  return %y : tensor<6x5xf64>
}

// Two permutes of the same keys (dropless and with a capacity): two slot
// scans over the same slots, each a program of its own; the capacity's
// clamp of the counts finishes the second slot scan and the expert scan
// reads it.
// TILES-LABEL: func @two_permutes_share_keys
// TILES-COUNT-4: tile.program grid([])
// TILES: return
func.func @two_permutes_share_keys(%keys: tensor<3x2xi64> {cascade.range = array<i64: 0, 3>}) -> (tensor<6xi64>, tensor<4xi64>, tensor<6xi64>, tensor<4xi64>) {
  %p, %o = cascade.permute %keys groups(3) : tensor<3x2xi64> -> tensor<6xi64>, tensor<4xi64>
  %pc, %oc = cascade.permute %keys groups(3) capacity(2) : tensor<3x2xi64> -> tensor<6xi64>, tensor<4xi64>
  return %p, %o, %pc, %oc : tensor<6xi64>, tensor<4xi64>, tensor<6xi64>, tensor<4xi64>
}

// Only the offsets are used: the einsum that finishes the permutation is
// dead code, not a program without outputs (which printed as `outs( : )`,
// IR that does not parse).
// TILES-LABEL: func @offsets_only
// TILES-COUNT-2: tile.program grid([])
// TILES-NOT: outs( : )
// TILES: return
func.func @offsets_only(%keys: tensor<2xi64> {cascade.range = array<i64: 0, 8>}) -> tensor<9xi64> {
  %p, %o = cascade.permute %keys groups(8) : tensor<2xi64> -> tensor<2xi64>, tensor<9xi64>
  return %o : tensor<9xi64>
}
