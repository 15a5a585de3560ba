// RUN: cascade-opt %s --cascade-approximate-math | FileCheck %s

// f32 exp, scalar or vector: clamps, the rounding shift, two-step reduction,
// a degree-7 Horner polynomial and 2^n from the exponent bits; no libm call
// is left.
// CHECK-LABEL: func @exp_f32
// CHECK-NOT: math.exp
// CHECK: arith.cmpf olt
// CHECK: arith.select
// CHECK: arith.cmpf ogt
// CHECK: math.fma %{{.*}}, %{{.*}}, %[[SHIFT:.*]] : f32
// CHECK: arith.subf %{{.*}}, %[[SHIFT]] : f32
// CHECK-COUNT-9: math.fma
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.shli
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// CHECK: arith.mulf
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp_f32(%x: f32, %v: vector<16xf32>) -> (f32, vector<16xf32>) {
  %0 = math.exp %x : f32
  %1 = math.exp %v : vector<16xf32>
  return %0, %1 : f32, vector<16xf32>
}

// An argument marked as at most 0 (a softmax's exponent) is clamped from
// below only (no 88.8 and no 127) and takes a polynomial of degree 5:
// e^r - 1 = r q(r) (four fmas and a multiply), then 2^n + 2^n (e^r - 1).
// CHECK-LABEL: func @exp_nonpositive
// CHECK: arith.cmpf olt
// CHECK-NOT: arith.cmpf ogt
// CHECK: math.fma %{{.*}}, %{{.*}}, %[[SHIFT:.*]] : f32
// CHECK-NEXT: arith.subf %{{.*}}, %[[SHIFT]] : f32
// CHECK-COUNT-2: math.fma
// CHECK-COUNT-4: math.fma %{{.*}}, %[[R:[^,]*]], %{{.*}} : f32
// CHECK-NEXT: %[[EXPM1:.*]] = arith.mulf %{{.*}}, %[[R]] : f32
// CHECK: arith.shli
// CHECK-NEXT: %[[SCALE:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK-NEXT: math.fma %[[EXPM1]], %[[SCALE]], %[[SCALE]] : f32
// CHECK-NOT: math.fma
// CHECK: return
func.func @exp_nonpositive(%x: f32) -> f32 {
  %0 = math.exp %x {cascade.nonpositive_argument} : f32
  return %0 : f32
}

// f64 is left to libm; tanh and erf take upstream's approximations.
// CHECK-LABEL: func @others
// CHECK: math.exp %{{.*}} : f64
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: return
func.func @others(%d: f64, %x: f32) -> (f64, f32, f32) {
  %0 = math.exp %d : f64
  %1 = math.tanh %x : f32
  %2 = math.erf %x : f32
  return %0, %1, %2 : f64, f32, f32
}
