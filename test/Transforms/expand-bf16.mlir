// RUN: cascade-opt %s --cascade-expand-bf16 | FileCheck %s

// f32 -> bf16 and back as integer arithmetic: LLVM would lower the
// truncation to a call of __truncsfbf2, which GCC 12's libgcc lacks.
// Round to nearest even: x + 0x7fff + (bit 16 of x), the high half; NaN
// becomes the quiet NaN 0x7fc0.
// CHECK-LABEL: func @bf16_conversions
// CHECK-NOT: arith.truncf
// CHECK-NOT: arith.extf
// CHECK-DAG: %[[HALF:.*]] = arith.constant 32767 : i32
// CHECK-DAG: %[[QNAN:.*]] = arith.constant 32704 : i16
// CHECK: %[[NAN:.*]] = arith.cmpf une, %arg0, %arg0 : f32
// CHECK: %[[BITS:.*]] = arith.bitcast %arg0 : f32 to i32
// CHECK: %[[LSB:.*]] = arith.andi
// CHECK: %[[BIAS:.*]] = arith.addi %[[LSB]], %[[HALF]] : i32
// CHECK: %[[SUM:.*]] = arith.addi %[[BITS]], %[[BIAS]] : i32
// CHECK: %[[HIGH:.*]] = arith.shrui %[[SUM]]
// CHECK: %[[NARROW:.*]] = arith.trunci %[[HIGH]] : i32 to i16
// CHECK: %[[PICK:.*]] = arith.select %[[NAN]], %[[QNAN]], %[[NARROW]] : i16
// CHECK: arith.bitcast %[[PICK]] : i16 to bf16
// CHECK: arith.bitcast %{{.*}} : vector<16xi16> to vector<16xbf16>
// CHECK: arith.extui %{{.*}} : i16 to i32
// CHECK: arith.shli
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// CHECK: return
func.func @bf16_conversions(%x: f32, %v: vector<16xf32>, %y: bf16) -> (bf16, vector<16xbf16>, f32) {
  %t = arith.truncf %x : f32 to bf16
  %tv = arith.truncf %v : vector<16xf32> to vector<16xbf16>
  %e = arith.extf %y : bf16 to f32
  return %t, %tv, %e : bf16, vector<16xbf16>, f32
}

// Other conversions, and f32 min/max (which arith-expand's default patterns
// would rewrite), are left alone.
// CHECK-LABEL: func @others
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: arith.maximumf
func.func @others(%x: f32, %y: f32) -> (f16, f64, f32) {
  %h = arith.truncf %x : f32 to f16
  %d = arith.extf %x : f32 to f64
  %m = arith.maximumf %x, %y : f32
  return %h, %d, %m : f16, f64, f32
}
