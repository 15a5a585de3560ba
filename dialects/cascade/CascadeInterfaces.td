//===- CascadeInterfaces.td - mask interface ---------------*- tablegen -*-===//

#ifndef CASCADE_INTERFACES_TD
#define CASCADE_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Cascade_MaskAttrInterface : AttrInterface<"MaskAttrInterface"> {
  let cppNamespace = "::cascade";
  let description = [{
    A mask: a predicate over the coordinates (q, k) of a query rank of size
    `numQueries` and a key rank of size `numKeys`. Points where the predicate
    is false are excluded from reductions (and take the op's fill value where
    nothing is reduced). Some masks read runtime tensors (segment ids, block
    indices); they are passed as extra operands, in order.
  }];
  let methods = [
    InterfaceMethod<"Number of runtime tensor operands the mask reads.",
      "unsigned", "getNumRuntimeOperands", (ins)>,
    InterfaceMethod<[{
        Checks the mask against the sizes of the masked ranks and the types of
        its runtime operands; reports through `emitError`.
      }],
      "::mlir::LogicalResult", "verifyShapes",
      (ins "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError,
           "int64_t":$numQueries, "int64_t":$numKeys,
           "::mlir::TypeRange":$runtimeTypes)>,
    InterfaceMethod<[{
        Classifies the block of queries [qBegin, qEnd) x keys [kBegin, kEnd)
        at compile time: Empty (no point kept), Full (every point kept) or
        Partial. Partial is always a correct answer; masks that read runtime
        tensors give it.
      }],
      "::cascade::BlockClass", "classifyBlock",
      (ins "int64_t":$qBegin, "int64_t":$qEnd, "int64_t":$kBegin,
           "int64_t":$kEnd, "int64_t":$numQueries, "int64_t":$numKeys),
      /*methodBody=*/"",
      /*defaultImplementation=*/"return ::cascade::BlockClass::Partial;">,
  ];
}

#endif // CASCADE_INTERFACES_TD
