// examples/moe.mlir in bf16: microkernel-attention-bf16.test.
// Top-2 SwiGLU Mixture-of-Experts (Mixtral style): 64 tokens of width 128,
// 8 experts of intermediate size 256, softmax router renormalised over the
// two chosen experts, dropless.
//
//   cascade-run examples/moe.mlir --random-inputs 1
//   cascade-opt examples/moe.mlir --cascade-decompose
func.func @main(%x: tensor<64x128xbf16> {cascade.name = "x"},
                %router: tensor<128x8xbf16> {cascade.name = "router"},
                %gate: tensor<8x128x256xbf16> {cascade.name = "w_gate"},
                %up: tensor<8x128x256xbf16> {cascade.name = "w_up"},
                %down: tensor<8x256x128xbf16> {cascade.name = "w_down"})
    -> tensor<64x128xbf16> {
  %y = cascade.moe %x router(softmax_topk %router : tensor<128x8xbf16>) k(2)
      experts(swiglu %gate, %up, %down
              : tensor<8x128x256xbf16>, tensor<8x128x256xbf16>, tensor<8x256x128xbf16>)
      {normalize} : tensor<64x128xbf16> -> tensor<64x128xbf16>
  return %y : tensor<64x128xbf16>
}
