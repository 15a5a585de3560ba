// Causal grouped-query attention: 8 query heads share 2 key/value heads
// (Llama/Mistral style), sequence 256, head dim 64, float32, with the
// log-sum-exp as a second result.
//
//   cascade-run examples/attention.mlir --random-inputs 1
//   cascade-opt examples/attention.mlir --cascade-decompose
func.func @main(%q: tensor<1x8x256x64xf32> {cascade.name = "q"},
                %k: tensor<1x2x256x64xf32> {cascade.name = "k"},
                %v: tensor<1x2x256x64xf32> {cascade.name = "v"})
    -> (tensor<1x8x256x64xf32>, tensor<1x8x256xf32>) {
  %out, %lse = cascade.attention %q, %k, %v mask(#cascade.causal)
      : tensor<1x8x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>
      -> tensor<1x8x256x64xf32>, tensor<1x8x256xf32>
  return %out, %lse : tensor<1x8x256x64xf32>, tensor<1x8x256xf32>
}
