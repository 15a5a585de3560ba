// bf16 attention programs whose products take the runtime's bf16 microkernel
// (runtime/lib/MicrokernelsBf16.cpp): microkernel-attention.test.

// No mask: the scores' product and scale are one call
// (cascade_rt_matmul_scaled_packed_bf16_bf16), here and in the two below.
func.func @dense(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> (tensor<1x2x256x64xbf16>, tensor<1x2x256xbf16>) {
  %o, %l = cascade.attention %q, %k, %v : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x256x64xbf16>, tensor<1x2x256xbf16>
  return %o, %l : tensor<1x2x256x64xbf16>, tensor<1x2x256xbf16>
}

// Huge logits (scale 300: each row's softmax is nearly one-hot): a wrong
// running max overflows exp.
func.func @dense_huge_logits(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %o = cascade.attention %q, %k, %v {scale = 300.0 : f64} : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x256x64xbf16>
  return %o : tensor<1x2x256x64xbf16>
}

// Keys not a multiple of the block (the last block is padded and masked),
// head dim 80.
func.func @dense_odd(%q: tensor<1x2x300x80xbf16>, %k: tensor<1x2x300x80xbf16>, %v: tensor<1x2x300x80xbf16>) -> tensor<1x2x300x80xbf16> {
  %o = cascade.attention %q, %k, %v : tensor<1x2x300x80xbf16>, tensor<1x2x300x80xbf16>, tensor<1x2x300x80xbf16> -> tensor<1x2x300x80xbf16>
  return %o : tensor<1x2x300x80xbf16>
}

func.func @causal(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal) : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x256x64xbf16>
  return %o : tensor<1x2x256x64xbf16>
}
