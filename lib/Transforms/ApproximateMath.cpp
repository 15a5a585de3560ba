//===- ApproximateMath.cpp - f32 math as polynomials for vectorization ----===//
//
// A call of libm's expf in a loop keeps LLVM from vectorizing it; the
// softmax of every attention tile is such a loop. Upstream MLIR's polynomial
// approximations (mlir/Dialect/Math/Transforms) write tanh and erf on f32
// as arithmetic the vectorizer handles, within a few ulp. exp, the one the
// softmax computes for every score, has a shorter form of its own here
// (ExpF32): 17 vector operations instead of upstream's 21, which matters on
// CPUs whose vector ALUs are also their two FMA ports (bench/RESULTS.md).
//
//===----------------------------------------------------------------------===//

#include "cascade/Dialect/Cascade.h"
#include "cascade/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cascade {
#define GEN_PASS_DEF_CASCADEAPPROXIMATEMATH
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;

namespace {

/// exp(x) on f32 (a scalar or a vector of them), to within 2 ulp:
///   x clamped to [-88, 88.8] (NaN kept: each clamp is one max or min),
///   n = round(x log2(e)) by adding 1.5 * 2^23 (the sum's low bits hold n),
///   n <= 127, r = x - n ln(2) in two steps (Cody-Waite), e^r by Cephes'
///   expf polynomial in Horner form, 2^n from n's bits: (n + 127) << 23.
/// An exp marked cascade.nonpositive_argument skips the upper clamps and
/// takes a polynomial of degree 5 (13 operations instead of 15).
/// exp(-inf) and every x <= -88 give exactly 0 (a fully masked softmax row
/// relies on it), x >= 88.73 and +inf give +inf, NaN gives NaN. Results
/// below 2^-126 flush to 0 or keep a few bits, as upstream's do.
struct ExpF32 : OpRewritePattern<math::ExpOp> {
  ExpF32(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    auto vectorType = dyn_cast<VectorType>(type);
    if (vectorType && vectorType.isScalable())
      return failure();
    Location loc = op.getLoc();
    Type intType = rewriter.getI32Type();
    if (vectorType)
      intType = vectorType.clone(intType);
    auto f = [&](float value) {
      return createScalarOrSplatConstant(rewriter, loc, type, APFloat(value));
    };
    // select(x < lo, lo, x) and select(x > hi, hi, x): one max or min on
    // x86 (its operand order returns x when x is NaN).
    auto atLeast = [&](Value x, Value lo) -> Value {
      Value below = arith::CmpFOp::create(rewriter, loc,
                                          arith::CmpFPredicate::OLT, x, lo);
      return arith::SelectOp::create(rewriter, loc, below, lo, x);
    };
    auto atMost = [&](Value x, Value hi) -> Value {
      Value above = arith::CmpFOp::create(rewriter, loc,
                                          arith::CmpFPredicate::OGT, x, hi);
      return arith::SelectOp::create(rewriter, loc, above, hi, x);
    };
    auto fma = [&](Value a, Value b, Value c) -> Value {
      return math::FmaOp::create(rewriter, loc, a, b, c);
    };

    // An argument known to be at most 0 (cascade.nonpositive_argument: a
    // softmax's score minus its row's max) needs no upper clamps: n <= 0.
    bool nonPositive = op->hasAttr(cascade::kNonPositiveArgumentAttr);
    Value x = atLeast(op.getOperand(), f(-88.0f));
    if (!nonPositive)
      x = atMost(x, f(88.8f));
    // 1.5 * 2^23: x log2(e) + shift rounds to an integer held in the low
    // mantissa bits.
    Value shift = f(12582912.0f);
    Value n = arith::SubFOp::create(
        rewriter, loc, fma(x, f(1.44269504088896341f), shift), shift);
    if (!nonPositive)
      n = atMost(n, f(127.0f));
    Value r = fma(n, f(-0.693359375f), x);
    r = fma(n, f(2.12194440e-4f), r);
    // 2^n: the low bits of n + (1.5 * 2^23 + 127) are n + 127, which the
    // shift moves into the exponent field (0 for n = -127: exp flushes
    // to 0; 255 never, n being at most 127).
    auto twoToN = [&]() -> Value {
      Value biased = arith::BitcastOp::create(
          rewriter, loc, intType,
          arith::AddFOp::create(rewriter, loc, n, f(12582912.0f + 127.0f)));
      return arith::BitcastOp::create(
          rewriter, loc, type,
          arith::ShLIOp::create(
              rewriter, loc, biased,
              createScalarOrSplatConstant(rewriter, loc, intType, 23)));
    };
    if (nonPositive) {
      // n <= 0 keeps r in [-ln(2)/2, ln(2)/2], where a polynomial of
      // degree 5 does: e^r - 1 = r (c4 + r (c3 + ... c0)), the minimax
      // coefficients of ARM's optimized-routines (v_expf), and 2^n e^r =
      // 2^n + 2^n (e^r - 1) in one fma. Within 1.95 ulp of the exact exp
      // of every f32 argument of exp-accuracy.test's sweep (Cephes': 1
      // ulp), far inside what a softmax's weights need (PyTorch's CPU
      // attention takes a 20-ulp exp). Two operations fewer than Cephes'
      // degree 7 below, whose extra terms only the top binade needs (x near
      // 88.7 gives r up to ln(2), past that interval, once n is held at
      // 127).
      Value q = f(0x1.0e4020p-7f);
      for (float c : {0x1.573e2ep-5f, 0x1.555e66p-3f, 0x1.fffdb6p-2f,
                      0x1.ffffecp-1f})
        q = fma(q, r, f(c));
      Value expm1 = arith::MulFOp::create(rewriter, loc, q, r);
      Value scale = twoToN();
      rewriter.replaceOp(op, fma(expm1, scale, scale));
      return success();
    }
    Value p = f(1.9875691500e-4f);
    for (float c : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
                    1.6666665459e-1f, 5.0000001201e-1f, 1.0f, 1.0f})
      p = fma(p, r, f(c));
    rewriter.replaceOpWithNewOp<arith::MulFOp>(op, p, twoToN());
    return success();
  }
};

struct ApproximateMathPass
    : cascade::impl::CascadeApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpF32>(&getContext());
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
