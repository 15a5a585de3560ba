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

    Discardable attributes record facts that a pass proves and a later pass
    trusts. The dialect verifies where each may appear (any other
    `cascade.*` attribute is an error), not the fact itself:

    | attribute | on | meaning |
    |---|---|---|
    | `cascade.nonpositive_argument` (unit) | `math.exp` (and the `llvm.intr.exp` it lowers to) | the argument is at most 0 or NaN: the exp approximation drops its overflow clamps |
    | `cascade.softmax_shift` (unit) | `cascade.einsum` reducing with `max` | the max only shifts exponentials of the values it reduces: it may drop NaNs |
    | `cascade.empty_block_identity` (unit) | iterative `cascade.einsum` | a fully masked key block leaves the state unchanged: tile programs skip it |
    | `cascade.padded_row` (index) | `cascade.einsum` with a static result | its rows are allocated this long (at least the last dimension) |
    | `cascade.name` (string) | function arguments and results | the name in `cascade-run`'s files and the AOT header |
    | `cascade.range` (`array<i64: lo, hi>`, lo < hi) | function arguments | the range of `cascade-run`'s random integer inputs |

    `cascade-online-softmax` sets the first three and
    `cascade-convert-to-linalg` the fourth; a user who writes one asserts its
    fact.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // The discardable `cascade.*` attributes are facts that passes record and
  // later ones trust: each is checked on the ops it may annotate.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
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
