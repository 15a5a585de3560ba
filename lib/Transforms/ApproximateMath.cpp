//===- ApproximateMath.cpp - f32 math as polynomials for vectorization ----===//
//
// A call of libm's expf in a loop keeps LLVM from vectorizing it; the
// softmax of every attention tile is such a loop. Upstream MLIR's polynomial
// approximations (mlir/Dialect/Math/Transforms) write exp, tanh and erf on
// f32 as arithmetic the vectorizer handles, within a few ulp.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEAPPROXIMATEMATH
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;

namespace {
struct ApproximateMathPass
    : cascade::impl::CascadeApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          return name == "math.exp" || name == "math.tanh" ||
                 name == "math.erf";
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
