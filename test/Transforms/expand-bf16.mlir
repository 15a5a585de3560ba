// RUN: cascade-opt %s --cascade-expand-bf16 | FileCheck %s

// f32 -> bf16 and back as integer arithmetic: LLVM would lower the
// truncation to a call of __truncsfbf2, which GCC 12's libgcc lacks.
// Round to nearest even: x + 0x7fff + (bit 16 of x), the high half; NaN
// keeps its bits with the quiet bit set. The select is between integers
// (upstream's, between bf16 values, is scalarized by LLVM's x86 backend).
// CHECK-LABEL: func @bf16_conversions
// CHECK-NOT: arith.truncf
// CHECK-NOT: arith.extf
// CHECK-DAG: %[[QUIETBIT:.*]] = arith.constant 4194304 : i32
// CHECK-DAG: %[[HALF:.*]] = arith.constant 32767 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[SIXTEEN:.*]] = arith.constant 16 : i32
// CHECK: %[[BITS:.*]] = arith.bitcast %arg0 : f32 to i32
// CHECK: %[[SHIFTED:.*]] = arith.shrui %[[BITS]], %[[SIXTEEN]] : i32
// CHECK: %[[LSB:.*]] = arith.andi %[[SHIFTED]], %[[ONE]] : i32
// CHECK: %[[BIAS:.*]] = arith.addi %[[LSB]], %[[HALF]] : i32
// CHECK: %[[SUM:.*]] = arith.addi %[[BITS]], %[[BIAS]] : i32
// CHECK: %[[QUIET:.*]] = arith.ori %[[BITS]], %[[QUIETBIT]] : i32
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %arg0, %arg0 : f32
// CHECK: %[[PICK:.*]] = arith.select %[[NAN]], %[[QUIET]], %[[SUM]] : i32
// CHECK: %[[HIGH:.*]] = arith.shrui %[[PICK]], %[[SIXTEEN]] : i32
// CHECK: %[[NARROW:.*]] = arith.trunci %[[HIGH]] : i32 to i16
// CHECK: arith.bitcast %[[NARROW]] : i16 to bf16
// CHECK: arith.select %{{.*}} : vector<16xi1>, vector<16xi32>
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
