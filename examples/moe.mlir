// Top-2 SwiGLU Mixture-of-Experts (Mixtral style): 64 tokens of width 128,
// 8 experts of intermediate size 256, softmax router renormalised over the
// two chosen experts, dropless.
//
//   cascade-run examples/moe.mlir --random-inputs 1
//   cascade-opt examples/moe.mlir --cascade-decompose
func.func @main(%x: tensor<64x128xf32> {cascade.name = "x"},
                %router: tensor<128x8xf32> {cascade.name = "router"},
                %gate: tensor<8x128x256xf32> {cascade.name = "w_gate"},
                %up: tensor<8x128x256xf32> {cascade.name = "w_up"},
                %down: tensor<8x256x128xf32> {cascade.name = "w_down"})
    -> tensor<64x128xf32> {
  %y = cascade.moe %x router(softmax_topk %router : tensor<128x8xf32>) k(2)
      experts(swiglu %gate, %up, %down
              : tensor<8x128x256xf32>, tensor<8x128x256xf32>, tensor<8x256x128xf32>)
      {normalize} : tensor<64x128xf32> -> tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
