//===- CascadeDialect.td - the cascade dialect -------------*- tablegen -*-===//
//
// Attention as cascades of extended Einsums and MoE routing as gather/scatter.
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_DIALECT_TD
#define CASCADE_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Cascade_Dialect : Dialect {
  let name = "cascade";
  let cppNamespace = "::cascade";
  let summary = "Cascades of extended Einsums and expert routing on tensors";
  let description = [{
    The `cascade` dialect describes attention and Mixture-of-Experts layers at
    the graph level, on ranked tensors, in the FuseMax/TeAAL view: attention is
    a chain of *extended Einsums* (a map operator that combines operands per
    point, a reduce operator over the ranks missing from the result, and an
    optional mask predicate over index coordinates), and expert routing is a
    chain of `topk`, `permute`, `gather`, `grouped_einsum` and `scatter`.

    The composite ops `cascade.attention` and `cascade.moe` are the user-facing
    entry points; `cascade-decompose` rewrites them into the primitives.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    /// Defined next to the attribute storage classes, which must be complete.
    void registerAttributes();
  }];
}

class Cascade_Op<string mnemonic, list<Trait> traits = []>
    : Op<Cascade_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Cascade_MapKind : I64EnumAttr<"MapKind",
    "per-point operator combining the operands of an Einsum", [
      I64EnumAttrCase<"mul", 0>, I64EnumAttrCase<"add", 1>,
      I64EnumAttrCase<"sub", 2>, I64EnumAttrCase<"div", 3>,
      I64EnumAttrCase<"max", 4>, I64EnumAttrCase<"min", 5>]> {
  let cppNamespace = "::cascade";
}

def Cascade_ReduceKind : I64EnumAttr<"ReduceKind",
    "operator reducing the ranks missing from an Einsum's result", [
      I64EnumAttrCase<"add", 0>, I64EnumAttrCase<"max", 1>,
      I64EnumAttrCase<"min", 2>, I64EnumAttrCase<"none", 3>]> {
  let cppNamespace = "::cascade";
}

def Cascade_CausalAlign : I64EnumAttr<"CausalAlign",
    "where the diagonal of a causal mask sits when queries and keys differ", [
      I64EnumAttrCase<"top_left", 0>, I64EnumAttrCase<"bottom_right", 1>]> {
  let cppNamespace = "::cascade";
}

def Cascade_RouterKind : I64EnumAttr<"RouterKind", "MoE router", [
      I64EnumAttrCase<"softmax_topk", 0>, I64EnumAttrCase<"topk_softmax", 1>,
      I64EnumAttrCase<"sigmoid_bias", 2>]> {
  let cppNamespace = "::cascade";
}

def Cascade_Activation : I64EnumAttr<"Activation", "MoE expert activation", [
      I64EnumAttrCase<"swiglu", 0>, I64EnumAttrCase<"gelu", 1>]> {
  let cppNamespace = "::cascade";
}

#endif // CASCADE_DIALECT_TD
