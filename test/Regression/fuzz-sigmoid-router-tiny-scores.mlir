// Found by cascade-fuzz-ir: the decomposed sigmoid_bias router recovered the
// unbiased scores as (score + bias) - bias, which rounds scores of 1e-305 to
// 0 and made the weights 0/0 = NaN. The decomposition now gathers the scores
// themselves.
// RUN: cascade-run %s --print | FileCheck %s
// RUN: cascade-opt %s --cascade-decompose | cascade-run - --print | FileCheck %s
// Scores 1/(1 + e^700) and 1/(1 + e^701) pick experts 0 and 1 (bias 0.5);
// weights 0.731, 0.269; out = gelu(1) * (0.731 * 1 + 0.269 * 2).
// CHECK: result0 = [1.0676172]
func.func @main() -> tensor<1x1xf64> {
  %x = arith.constant dense<[[1.0]]> : tensor<1x1xf64>
  %wr = arith.constant dense<[[-700.0, -701.0, -702.0, -703.0]]> : tensor<1x4xf64>
  %b = arith.constant dense<[0.5, 0.5, 0.0, 0.0]> : tensor<4xf64>
  %up = arith.constant dense<1.0> : tensor<4x1x1xf64>
  %down = arith.constant dense<[[[1.0]], [[2.0]], [[0.0]], [[0.0]]]> : tensor<4x1x1xf64>
  %y = cascade.moe %x router(sigmoid_bias %wr : tensor<1x4xf64>) router_bias(%b : tensor<4xf64>) k(2) experts(gelu %up, %down : tensor<4x1x1xf64>, tensor<4x1x1xf64>) : tensor<1x1xf64> -> tensor<1x1xf64>
  return %y : tensor<1x1xf64>
}
