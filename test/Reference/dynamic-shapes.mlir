// Dynamic dimensions: the reference runs them with the shapes of the inputs
// and checks at run time what the verifier could not.
// RUN: rm -rf %t && mkdir -p %t
// RUN: cascade-run %s --entry attention_static --random-inputs %seed --save-inputs %t/in_ --output %t/out.npy
// RUN: cascade-run %s --entry attention_dynamic --input 0=%t/in_arg0.npy --input 1=%t/in_arg1.npy --input 2=%t/in_arg2.npy --expect 0=%t/out.npy --atol 0 --rtol 0 | FileCheck %s
// CHECK: result0: 1x4x10x8xf64
// CHECK: expect 0: {{.*}}, 0 mismatches
// Mismatched run-time sizes are errors, not out-of-bounds reads.
// RUN: not cascade-run %s --entry attention_dynamic --input 0=%t/in_arg0.npy --input 1=%t/in_arg0.npy --input 2=%t/in_arg2.npy 2>&1 | FileCheck %s --check-prefix=HEADS
// HEADS: error: kv_heads has run-time size 2 in operand #2 but 4 in operand #1
// RUN: not cascade-run %s --entry einsum_dynamic --input 0=%t/in_arg0.npy --input 1=%t/in_arg2.npy 2>&1 | FileCheck %s --check-prefix=EINSUM
// EINSUM: error: index 'p' has run-time size 7 in operand #1 but 10 in operand #0
// RUN: not cascade-run %s --entry wrong_static --input 0=%t/in_arg2.npy 2>&1 | FileCheck %s --check-prefix=STATIC
// STATIC: error: argument #0 expects shape 'tensor<1x2x?x9xf64>', got 1x2x7x8xf64
// A block-class table of static size must match the run-time extent.
// RUN: not cascade-run %s --entry classes_mismatch --input 0=%t/in_arg0.npy 2>&1 | FileCheck %s --check-prefix=CLASSES
// CLASSES: error: the table has 2 query blocks but the run-time extent gives 3

func.func @attention_static(%q: tensor<1x4x10x8xf64>, %k: tensor<1x2x7x8xf64>, %v: tensor<1x2x7x8xf64>) -> tensor<1x4x10x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x10x8xf64>, tensor<1x2x7x8xf64>, tensor<1x2x7x8xf64> -> tensor<1x4x10x8xf64>
  return %o : tensor<1x4x10x8xf64>
}

func.func @attention_dynamic(%q: tensor<1x4x?x8xf64>, %k: tensor<1x?x?x8xf64>, %v: tensor<1x?x?x8xf64>) -> tensor<1x4x?x8xf64> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>) : tensor<1x4x?x8xf64>, tensor<1x?x?x8xf64>, tensor<1x?x?x8xf64> -> tensor<1x4x?x8xf64>
  return %o : tensor<1x4x?x8xf64>
}

func.func @einsum_dynamic(%a: tensor<1x4x?x8xf64>, %b: tensor<1x?x?x8xf64>) -> tensor<?xf64> {
  %o = cascade.einsum "bhpd,bgpd->p" ins(%a, %b : tensor<1x4x?x8xf64>, tensor<1x?x?x8xf64>) map(mul) reduce(add) -> tensor<?xf64>
  return %o : tensor<?xf64>
}

func.func @wrong_static(%a: tensor<1x2x?x9xf64>) -> tensor<1x2x?x9xf64> {
  return %a : tensor<1x2x?x9xf64>
}

func.func @classes_mismatch(%q: tensor<1x4x?x8xf64>) -> tensor<2x2xi8> {
  %c2 = arith.constant 2 : index
  %p = tensor.dim %q, %c2 : tensor<1x4x?x8xf64>
  %t = cascade.classify_blocks #cascade.causal extent([%p, 8]) block([4, 4]) : tensor<2x2xi8>
  return %t : tensor<2x2xi8>
}
