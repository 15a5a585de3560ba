// The dialect's discardable attributes: facts that passes record and later
// passes trust (see the dialect's description). Each is accepted on the ops
// it may annotate, and an error on any other op or with another value.
// RUN: cascade-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func @accepted
// CHECK-SAME: {cascade.name = "s", cascade.range = array<i64: 0, 8>}
// CHECK-SAME: {cascade.name = "o"}
// CHECK: reduce(max) attributes {cascade.softmax_shift}
// CHECK: math.exp %{{.*}} {cascade.nonpositive_argument} : f32
// CHECK: } attributes {cascade.padded_row = 80 : index}
func.func @accepted(%s: tensor<4x64xf32> {cascade.name = "s", cascade.range = array<i64: 0, 8>}) -> (tensor<4xf32> {cascade.name = "o"}) {
  %m = cascade.einsum "pm->p" ins(%s : tensor<4x64xf32>) reduce(max) attributes {cascade.softmax_shift} -> tensor<4xf32>
  %e = cascade.einsum "pm,p->pm" ins(%s, %m : tensor<4x64xf32>, tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %d = arith.subf %a, %b : f32
    %x = math.exp %d {cascade.nonpositive_argument} : f32
    cascade.yield %x : f32
  } attributes {cascade.padded_row = 80 : index} -> tensor<4x64xf32>
  %sum = cascade.einsum "pm->p" ins(%e : tensor<4x64xf32>) reduce(add) -> tensor<4xf32>
  return %sum : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @iterative_state
// CHECK: } attributes {cascade.empty_block_identity} -> tensor<5x8xf32>
func.func @iterative_state(%lm: tensor<4x8xf32>, %init: tensor<8xf32>) -> tensor<5x8xf32> {
  %rm = cascade.einsum "np->np" ins(%lm : tensor<4x8xf32>) iterate("n" init %init : tensor<8xf32>) {
  ^bb0(%prev: f32, %x: f32):
    %m = arith.maximumf %prev, %x : f32
    cascade.yield %m : f32
  } attributes {cascade.empty_block_identity} -> tensor<5x8xf32>
  return %rm : tensor<5x8xf32>
}

// -----

func.func @exp_attr_on_log(%x: f32) -> f32 {
  // expected-error @+1 {{'cascade.nonpositive_argument' is a unit attribute of math.exp}}
  %0 = math.log %x {cascade.nonpositive_argument} : f32
  return %0 : f32
}

// -----

func.func @exp_attr_not_unit(%x: f32) -> f32 {
  // expected-error @+1 {{'cascade.nonpositive_argument' is a unit attribute of math.exp}}
  %0 = math.exp %x {cascade.nonpositive_argument = true} : f32
  return %0 : f32
}

// -----

func.func @shift_on_sum(%s: tensor<4x6xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'cascade.softmax_shift' is a unit attribute of a cascade.einsum that reduces with max}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(add) attributes {cascade.softmax_shift} -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @shift_on_arith(%x: f32) -> f32 {
  // expected-error @+1 {{'cascade.softmax_shift' is a unit attribute of a cascade.einsum that reduces with max}}
  %0 = arith.maximumf %x, %x {cascade.softmax_shift} : f32
  return %0 : f32
}

// -----

func.func @identity_not_iterative(%s: tensor<4x6xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'cascade.empty_block_identity' is a unit attribute of an iterative cascade.einsum}}
  %0 = cascade.einsum "pm->p" ins(%s : tensor<4x6xf32>) reduce(max) attributes {cascade.empty_block_identity} -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @padded_row_too_short(%s: tensor<32x64xf32>) -> tensor<32x64xf32> {
  // expected-error @+1 {{'cascade.padded_row' must be at least the result's last dimension (64)}}
  %0 = cascade.einsum "mp->mp" ins(%s : tensor<32x64xf32>) {
  ^bb0(%x: f32):
    cascade.yield %x : f32
  } attributes {cascade.padded_row = 3 : index} -> tensor<32x64xf32>
  return %0 : tensor<32x64xf32>
}

// -----

func.func @padded_row_not_index(%s: tensor<32x64xf32>) -> tensor<32x64xf32> {
  // expected-error @+1 {{'cascade.padded_row' is an index attribute of a cascade.einsum}}
  %0 = cascade.einsum "mp->mp" ins(%s : tensor<32x64xf32>) {
  ^bb0(%x: f32):
    cascade.yield %x : f32
  } attributes {cascade.padded_row = 80 : i64} -> tensor<32x64xf32>
  return %0 : tensor<32x64xf32>
}

// -----

func.func @padded_row_dynamic(%s: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'cascade.padded_row' needs a result of static shape and rank at least 1}}
  %0 = cascade.einsum "mp->mp" ins(%s : tensor<?x64xf32>) {
  ^bb0(%x: f32):
    cascade.yield %x : f32
  } attributes {cascade.padded_row = 80 : index} -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

func.func @unknown(%x: f32) -> f32 {
  // expected-error @+1 {{'cascade.nonpositive' is not an attribute of the cascade dialect}}
  %0 = math.exp %x {cascade.nonpositive} : f32
  return %0 : f32
}

// -----

// expected-error @+1 {{'cascade.name' must be a string}}
func.func @name_not_string(%x: f32 {cascade.name = 1 : i64}) -> f32 {
  return %x : f32
}

// -----

// expected-error @+1 {{'cascade.range' must be array<i64: lo, hi> with lo < hi}}
func.func @range_empty(%x: tensor<4xi64> {cascade.range = array<i64: 4, 4>}) -> tensor<4xi64> {
  return %x : tensor<4xi64>
}

// -----

// expected-error @+1 {{'cascade.range' is not a result attribute of the cascade dialect}}
func.func @range_on_result(%x: tensor<4xi64>) -> (tensor<4xi64> {cascade.range = array<i64: 0, 4>}) {
  return %x : tensor<4xi64>
}

// -----

// expected-error @+1 {{'cascade.nmae' is not an argument attribute of the cascade dialect}}
func.func @misspelt(%x: f32 {cascade.nmae = "x"}) -> f32 {
  return %x : f32
}
