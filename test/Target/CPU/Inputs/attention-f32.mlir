// f32 attention programs whose products take the runtime's microkernel
// (the f64 numeric suite never does): microkernel-attention.test.

// No mask: the scores' product and scale are one call
// with the block max (cascade_rt_matmul_scaled_colmax_packed_f32), here and
// in the two below.
func.func @dense(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x256x64xf32>, %v: tensor<1x2x256x64xf32>) -> (tensor<1x2x256x64xf32>, tensor<1x2x256xf32>) {
  %o, %l = cascade.attention %q, %k, %v : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32> -> tensor<1x2x256x64xf32>, tensor<1x2x256xf32>
  return %o, %l : tensor<1x2x256x64xf32>, tensor<1x2x256xf32>
}

// Huge logits (scale 300: each row's softmax is nearly one-hot): a wrong
// running max overflows exp.
func.func @dense_huge_logits(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x256x64xf32>, %v: tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32> {
  %o = cascade.attention %q, %k, %v {scale = 300.0 : f64} : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32> -> tensor<1x2x256x64xf32>
  return %o : tensor<1x2x256x64xf32>
}

// Keys not a multiple of the block (the last block is padded and masked),
// head dim 80.
func.func @dense_odd(%q: tensor<1x2x300x80xf32>, %k: tensor<1x2x300x80xf32>, %v: tensor<1x2x300x80xf32>) -> tensor<1x2x300x80xf32> {
  %o = cascade.attention %q, %k, %v : tensor<1x2x300x80xf32>, tensor<1x2x300x80xf32>, tensor<1x2x300x80xf32> -> tensor<1x2x300x80xf32>
  return %o : tensor<1x2x300x80xf32>
}

func.func @causal(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x256x64xf32>, %v: tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal) : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32> -> tensor<1x2x256x64xf32>
  return %o : tensor<1x2x256x64xf32>
}
