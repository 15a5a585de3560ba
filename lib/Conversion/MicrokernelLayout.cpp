//===- MicrokernelLayout.cpp - loop-invariant operands as packed panels ---===//
//
// The CPU microkernel broadcasts its A operand row by row and packs its B
// operand into panels on every call. In an attention program's step loop
// the scores Q.K^T read the same query tile in every step and a new key
// tile: with the queries as A, every step repacks (transposes) the keys.
// Ordering the product's result keys-first makes the keys A (read as they
// are) and the queries B, which cascade-convert-to-linalg then packs once,
// before the loop. The layout follows through the elementwise einsums that
// read the product (scale, mask, exp), so the softmax's reductions over the
// keys become reductions over an outer dimension (vectors across queries)
// and P.V reads P transposed (no packing either).
//
//===----------------------------------------------------------------------===//

#include "Microkernels.h"

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SetVector.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEMICROKERNELLAYOUT
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;
using namespace cascade::microkernel;

namespace {

/// `letters` with the characters at `r` and `c` swapped.
std::string swapped(StringRef letters, int64_t r, int64_t c) {
  std::string s = letters.str();
  std::swap(s[r], s[c]);
  return s;
}

/// What changes when the product's result dims `r` and `c` swap: the values
/// whose layout swaps (the product, the elementwise einsums reading it with
/// their result indexed as their operand, and the results of scf.if that
/// yield such values from both branches), and the einsums reading them,
/// which re-index their operand. Fails where a reader is anything else.
struct Layout {
  llvm::SetVector<Value> values;
  llvm::SetVector<Operation *> readers;
};

LogicalResult collect(Value product, Layout &layout) {
  SmallVector<Value> work = {product};
  layout.values.insert(product);
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto yield = dyn_cast<scf::YieldOp>(user)) {
        auto branch = dyn_cast<scf::IfOp>(yield->getParentOp());
        if (!branch)
          return failure();
        Value result = branch.getResult(use.getOperandNumber());
        if (layout.values.insert(result))
          work.push_back(result);
        continue;
      }
      auto e = dyn_cast<EinsumOp>(user);
      if (!e || e.getIterate() ||
          use.getOperandNumber() >= e.getInputs().size())
        return failure();
      layout.readers.insert(e);
      EinsumOp::Indices idx = e.getIndices();
      if (idx.result == idx.inputs[use.getOperandNumber()] &&
          layout.values.insert(e.getResult()))
        work.push_back(e.getResult());
    }
  }
  // An scf.if result swaps only if every branch yields a swapped value.
  for (Value v : layout.values)
    if (auto branch = v.getDefiningOp<scf::IfOp>()) {
      unsigned i = cast<OpResult>(v).getResultNumber();
      for (Region *region : {&branch.getThenRegion(), &branch.getElseRegion()})
        if (region->empty() ||
            !layout.values.contains(
                region->front().getTerminator()->getOperand(i)))
          return failure();
    }
  return success();
}

struct MicrokernelLayoutPass
    : cascade::impl::CascadeMicrokernelLayoutBase<MicrokernelLayoutPass> {
  void runOnOperation() override {
    SmallVector<std::pair<EinsumOp, MatmulShape>> products;
    getOperation()->walk([&](EinsumOp op) {
      FailureOr<MatmulShape> m = matchMatmul(op);
      auto loop = op->getParentOfType<scf::ForOp>();
      if (failed(m) || !loop || !loop.isDefinedOutsideOfLoop(m->a) ||
          loop.isDefinedOutsideOfLoop(m->b))
        return;
      products.push_back({op, *m});
    });
    for (auto [op, m] : products) {
      int64_t r = m.rowDim, c = m.colDim;
      Layout layout;
      if (failed(collect(op.getResult(), layout)))
        continue;
      // Rewrite: the indices of every read of a swapped value, the swapped
      // einsums' result indices, and the swapped values' types.
      llvm::SetVector<Operation *> touched = layout.readers;
      for (Value v : layout.values)
        if (auto e = v.getDefiningOp<EinsumOp>())
          touched.insert(e);
      for (Operation *o : touched) {
        auto e = cast<EinsumOp>(o);
        EinsumOp::Indices idx = e.getIndices();
        std::string spec;
        for (auto [k, input] : llvm::enumerate(e.getInputs())) {
          if (k)
            spec += ",";
          spec += layout.values.contains(input) ? swapped(idx.inputs[k], r, c)
                                                : idx.inputs[k];
        }
        spec += "->";
        spec += layout.values.contains(e.getResult())
                    ? swapped(idx.result, r, c)
                    : idx.result;
        e.setSpec(spec);
      }
      for (Value v : layout.values) {
        auto type = cast<RankedTensorType>(v.getType());
        SmallVector<int64_t> shape(type.getShape());
        std::swap(shape[r], shape[c]);
        v.setType(RankedTensorType::get(shape, type.getElementType()));
      }
      for (Operation *o : touched)
        if (failed(mlir::verify(o)))
          return signalPassFailure();
    }
  }
};

} // namespace
