//===- Decompose.cpp - composites into einsum and routing primitives ------===//
//
// cascade.attention -> the 3-pass softmax cascade of cascade.einsum ops;
// cascade.moe -> router einsums, topk, permute, gather, grouped_einsum,
// scatter. The later passes (fusion, sparsification, tiling) work on these
// primitives only, so every composite must decompose completely.
//
//===----------------------------------------------------------------------===//

#include "cascade/Transforms/Passes.h"

#include "EinsumBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace cascade {
#define GEN_PASS_DEF_CASCADEDECOMPOSE
#include "cascade/Transforms/Passes.h.inc"
} // namespace cascade

using namespace mlir;
using namespace cascade;

namespace {

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

struct DecomposeAttention : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto kType = cast<RankedTensorType>(op.getKey().getType());
    // Batch and sequence lengths may be run-time sizes; the head counts
    // (the GQA grouping) and the head dim (the default scale) may not.
    if (qType.isDynamicDim(1) || kType.isDynamicDim(1) || qType.isDynamicDim(3))
      return rewriter.notifyMatchFailure(op, "dynamic heads or head dim");
    EinsumBuilder emit{rewriter, op.getLoc()};
    int64_t b = qType.getDimSize(0), h = qType.getDimSize(1),
            p = qType.getDimSize(2), d = qType.getDimSize(3);
    int64_t hkv = kType.getDimSize(1);
    int64_t group = h / hkv;
    bool grouped = group > 1;
    Type ct = computeType(qType.getElementType());

    // GQA: query heads h*group+g are read as [kv_head h, group member g].
    Value q = op.getQuery();
    std::string rows = grouped ? "bhgp" : "bhp";
    if (grouped)
      q = emit.expandShape(q, {b, hkv, group, p, d}, {{0}, {1, 2}, {3}, {4}});

    Value scores = emit.einsum(rows + "d,bhmd->" + rows + "m", {q, op.getKey()},
                               ct, MapKind::mul, ReduceKind::add);

    // Logits: scale, softcap, ALiBi, bias and mask in one map.
    SmallVector<Value> logitInputs{scores};
    std::string logitSpec = rows + "m";
    if (Value bias = op.getBias()) {
      auto biasType = cast<RankedTensorType>(bias.getType());
      std::string biasIdx;
      switch (biasType.getRank()) {
      case 2:
        biasIdx = "pm";
        break;
      case 3:
        biasIdx = grouped ? "hgpm" : "hpm";
        if (grouped)
          bias = emit.expandShape(bias, {hkv, group, p, biasType.getDimSize(2)},
                                  {{0, 1}, {2}, {3}});
        break;
      default:
        biasIdx = rows + "m";
        if (grouped)
          bias =
              emit.expandShape(bias, {b, hkv, group, p, biasType.getDimSize(3)},
                               {{0}, {1, 2}, {3}, {4}});
      }
      logitInputs.push_back(bias);
      logitSpec += "," + biasIdx;
    }
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(static_cast<double>(d));
    std::optional<double> softcap;
    if (op.getSoftcap())
      softcap = op.getSoftcap()->convertToDouble();
    bool alibi = op.getAlibi();
    EinsumOp logits = emit.mapped(
        logitSpec + "->" + rows + "m", logitInputs, ct,
        [&](OpBuilder &bld, Location l, ValueRange a) {
          Value x = arith::MulFOp::create(bld, l, a[0],
                                          floatConst(bld, l, ct, scale));
          if (softcap) {
            Value cap = floatConst(bld, l, ct, *softcap);
            Value t = math::TanhOp::create(
                bld, l, arith::DivFOp::create(bld, l, x, cap));
            x = arith::MulFOp::create(bld, l, cap, t);
          }
          if (alibi) {
            // slope(head) * (k - q), head = h * group + g.
            auto coordF = [&](StringRef name) -> Value {
              Value c = CoordOp::create(bld, l, bld.getIndexType(),
                                        bld.getStringAttr(name));
              Value i = arith::IndexCastOp::create(bld, l, bld.getI64Type(), c);
              return arith::SIToFPOp::create(bld, l, ct, i);
            };
            // Sequential statements keep the emitted order deterministic.
            Value head = coordF("h");
            if (grouped) {
              Value groupSize = floatConst(bld, l, ct, group);
              Value base = arith::MulFOp::create(bld, l, head, groupSize);
              Value member = coordF("g");
              head = arith::AddFOp::create(bld, l, base, member);
            }
            // slope = 2^(-8 (head + 1) / H)
            Value one = floatConst(bld, l, ct, 1);
            Value headPlusOne = arith::AddFOp::create(bld, l, head, one);
            Value step = floatConst(bld, l, ct, -8.0 / static_cast<double>(h));
            Value exponent = arith::MulFOp::create(bld, l, headPlusOne, step);
            Value slope = math::Exp2Op::create(bld, l, exponent);
            Value keyPos = coordF("m");
            Value queryPos = coordF("p");
            Value dist = arith::SubFOp::create(bld, l, keyPos, queryPos);
            x = arith::AddFOp::create(
                bld, l, x, arith::MulFOp::create(bld, l, slope, dist));
          }
          if (a.size() > 1)
            x = arith::AddFOp::create(bld, l, x,
                                      convertScalar(bld, l, a[1], ct));
          return x;
        });
    if (MaskAttrInterface mask = op.getMaskAttr()) {
      logits.setMaskAttr(mask);
      logits.setMaskQueryAttr(rewriter.getStringAttr("p"));
      logits.setMaskKeyAttr(rewriter.getStringAttr("m"));
      logits.getMaskArgsMutable().append(op.getMaskArgs());
    }

    // 3-pass softmax; fully masked rows (max = -inf, sum = 0) give 0.
    std::string all = rows + "m";
    Value rowMax = emit.einsum(all + "->" + rows, logits.getResult(), ct,
                               std::nullopt, ReduceKind::max);
    Value numer =
        emit.mapped(all + "," + rows + "->" + all, {logits.getResult(), rowMax},
                    ct, [&](OpBuilder &bld, Location l, ValueRange a) {
                      Value negInf = floatConst(bld, l, ct, -INFINITY);
                      Value empty = arith::CmpFOp::create(
                          bld, l, arith::CmpFPredicate::OEQ, a[1], negInf);
                      Value e = math::ExpOp::create(
                          bld, l, arith::SubFOp::create(bld, l, a[0], a[1]));
                      return arith::SelectOp::create(
                                 bld, l, empty, floatConst(bld, l, ct, 0.0), e)
                          .getResult();
                    });
    Value denom = emit.einsum(all + "->" + rows, numer, ct, std::nullopt,
                              ReduceKind::add);
    Value probs = emit.mapped(
        all + "," + rows + "->" + all, {numer, denom}, ct,
        [&](OpBuilder &bld, Location l, ValueRange a) {
          Value zero = floatConst(bld, l, ct, 0.0);
          Value empty = arith::CmpFOp::create(bld, l, arith::CmpFPredicate::OEQ,
                                              a[1], zero);
          Value div = arith::DivFOp::create(bld, l, a[0], a[1]);
          return arith::SelectOp::create(bld, l, empty, zero, div).getResult();
        });
    Value out =
        emit.einsum(all + ",bhmf->" + rows + "f", {probs, op.getValue()}, ct,
                    MapKind::mul, ReduceKind::add);
    if (grouped)
      out = emit.collapseShape(out, {{0}, {1, 2}, {3}, {4}});
    SmallVector<Value> results{emit.convert(
        out, cast<RankedTensorType>(op.getOutput().getType()).getElementType(),
        "bhpf")};

    if (Value lse = op.getLse()) {
      Value value = emit.mapped(
          rows + "," + rows + "->" + rows, {rowMax, denom}, ct,
          [&](OpBuilder &bld, Location l, ValueRange a) {
            Value log = math::LogOp::create(bld, l, a[1]);
            return arith::AddFOp::create(bld, l, a[0], log).getResult();
          });
      if (grouped)
        value = emit.collapseShape(value, {{0}, {1, 2}, {3}});
      results.push_back(emit.convert(value, elementOf(lse), "bhp"));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// MoE
//===----------------------------------------------------------------------===//

/// The activation between the up and down projections, as one map einsum.
/// SwiGLU takes (gate, up); GELU takes (up).
static Value emitActivation(EinsumBuilder &emit, Activation act,
                            ValueRange inputs, StringRef indices) {
  std::string spec = act == Activation::swiglu
                         ? (indices + "," + indices + "->" + indices).str()
                         : (indices + "->" + indices).str();
  Type ct = elementOf(inputs[0]);
  return emit.mapped(
      spec, inputs, ct, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value one = floatConst(b, l, ct, 1.0);
        Value x = a[0];
        if (act == Activation::swiglu) {
          // silu(g) * u = g / (1 + exp(-g)) * u
          Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
          Value silu = arith::DivFOp::create(
              b, l, x, arith::AddFOp::create(b, l, one, e));
          return arith::MulFOp::create(b, l, silu, a[1]);
        }
        // 0.5 x (1 + erf(x / sqrt(2)))
        Value erf = math::ErfOp::create(
            b, l,
            arith::MulFOp::create(b, l, x, floatConst(b, l, ct, M_SQRT1_2)));
        Value half = arith::MulFOp::create(b, l, x, floatConst(b, l, ct, 0.5));
        return arith::MulFOp::create(b, l, half,
                                     arith::AddFOp::create(b, l, one, erf));
      });
}

struct DecomposeMoe : OpRewritePattern<MoeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MoeOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = cast<RankedTensorType>(op.getInput().getType());
    auto routerType = cast<RankedTensorType>(op.getRouterWeight().getType());
    // A run-time token count (a serving batch) is the one dynamic size: it
    // stays a run-time size through every op of the routing chain. A
    // capacity is a fraction of the slots, so it needs the count.
    if (xType.isDynamicDim(1) || !routerType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic hidden size or experts");
    if (xType.isDynamicDim(0) && op.getCapacityFactor())
      return rewriter.notifyMatchFailure(
          op, "capacity factor of a run-time token count");
    EinsumBuilder emit{rewriter, op.getLoc()};
    Location loc = op.getLoc();
    int64_t tokens = xType.getDimSize(0);
    int64_t experts = routerType.getDimSize(1);
    int64_t k = op.getK();
    Type ct = computeType(xType.getElementType());
    Type i64 = rewriter.getI64Type();
    auto kType = RankedTensorType::get({tokens, k}, ct);
    auto kIdxType = RankedTensorType::get({tokens, k}, i64);

    Value x = op.getInput();
    Value logits = emit.einsum("th,he->te", {x, op.getRouterWeight()}, ct,
                               MapKind::mul, ReduceKind::add);

    // Router: weights [T, k] and expert indices [T, k].
    Value weights, chosen;
    switch (op.getRouter()) {
    case RouterKind::softmax_topk: {
      Value probs = emit.softmax(logits, "te");
      auto topk = TopKOp::create(rewriter, loc, kType, kIdxType, probs,
                                 op.getKAttr(), nullptr, nullptr);
      weights = topk.getValues();
      chosen = topk.getIndices();
      if (op.getNormalize())
        weights = emit.normalize(weights, "tj");
      break;
    }
    case RouterKind::topk_softmax: {
      auto topk = TopKOp::create(rewriter, loc, kType, kIdxType, logits,
                                 op.getKAttr(), nullptr, nullptr);
      weights = emit.softmax(topk.getValues(), "tj");
      chosen = topk.getIndices();
      break;
    }
    case RouterKind::sigmoid_bias: {
      Value scores = emit.mapped(
          "te->te", logits, ct, [&](OpBuilder &b, Location l, ValueRange a) {
            Value one = floatConst(b, l, ct, 1.0);
            Value e =
                math::ExpOp::create(b, l, arith::NegFOp::create(b, l, a[0]));
            return arith::DivFOp::create(b, l, one,
                                         arith::AddFOp::create(b, l, one, e))
                .getResult();
          });
      Value bias = op.getRouterBias();
      Value biased = emit.einsum("te,e->te", {scores, bias}, ct, MapKind::add);
      auto topk =
          TopKOp::create(rewriter, loc, kType, kIdxType, biased, op.getKAttr(),
                         op.getNumGroupsAttr(), op.getGroupsKeptAttr());
      chosen = topk.getIndices();
      // The bias only steers the choice; weights are the unbiased scores,
      // read back exactly (scores + bias - bias would lose tiny scores):
      // flat index t * E + expert into the [T * E] scores.
      Value flatIndex = emit.mapped(
          "tj->tj", chosen, i64, [&](OpBuilder &b, Location l, ValueRange a) {
            Value t =
                CoordOp::create(b, l, b.getIndexType(), b.getStringAttr("t"));
            Value ti = arith::IndexCastOp::create(b, l, i64, t);
            Value e = arith::ConstantOp::create(b, l, i64,
                                                b.getI64IntegerAttr(experts));
            Value row = arith::MulIOp::create(b, l, ti, e);
            return arith::AddIOp::create(b, l, row, a[0]).getResult();
          });
      Value flatScores = emit.collapseShape(scores, {{0, 1}});
      weights = GatherOp::create(rewriter, loc, kType, flatScores, flatIndex,
                                 rewriter.getI64IntegerAttr(1));
      weights = emit.normalize(weights, "tj");
      break;
    }
    }
    if (op.getRoutedScale())
      weights =
          emit.scale(weights, "tj", op.getRoutedScale()->convertToDouble());

    // Group the T*k slots by expert.
    IntegerAttr capacity;
    if (op.getCapacityFactor()) {
      double slots = op.getCapacityFactor()->convertToDouble() *
                     static_cast<double>(tokens * k) /
                     static_cast<double>(experts);
      capacity =
          rewriter.getI64IntegerAttr(static_cast<int64_t>(std::ceil(slots)));
    }
    int64_t rowsCount =
        ShapedType::isDynamic(tokens) ? ShapedType::kDynamic : tokens * k;
    auto permute = PermuteOp::create(
        rewriter, loc, RankedTensorType::get({rowsCount}, i64),
        RankedTensorType::get({experts + 1}, i64), chosen,
        rewriter.getI64IntegerAttr(experts), capacity);
    Value perm = permute.getPerm(), offsets = permute.getOffsets();
    IntegerAttr kAttr = rewriter.getI64IntegerAttr(k);
    Value rows =
        GatherOp::create(rewriter, loc,
                         RankedTensorType::get({rowsCount, xType.getDimSize(1)},
                                               xType.getElementType()),
                         x, perm, kAttr);

    auto grouped = [&](StringRef spec, Value lhs, Value rhs) -> Value {
      auto lhsType = cast<RankedTensorType>(lhs.getType());
      auto rhsType = cast<RankedTensorType>(rhs.getType());
      // "rh,ehi->ri" / "ri,eih->rh": rows from lhs, columns from rhs.
      return GroupedEinsumOp::create(
          rewriter, loc,
          RankedTensorType::get({lhsType.getDimSize(0), rhsType.getDimSize(2)},
                                ct),
          rewriter.getStringAttr(spec), lhs, ValueRange{rhs}, offsets);
    };
    auto expertsW = op.getExpertWeights();
    Value hidden;
    if (op.getActivation() == Activation::swiglu) {
      Value gate = grouped("rh,ehi->ri", rows, expertsW[0]);
      Value up = grouped("rh,ehi->ri", rows, expertsW[1]);
      hidden = emitActivation(emit, Activation::swiglu, {gate, up}, "ri");
    } else {
      Value up = grouped("rh,ehi->ri", rows, expertsW[0]);
      hidden = emitActivation(emit, Activation::gelu, {up}, "ri");
    }
    Value down = grouped("ri,eih->rh", hidden, expertsW.back());

    // Weighted combine: slot perm[r] = t*k + j carries weight W[t, j].
    Value flatWeights = emit.collapseShape(weights, {{0, 1}});
    Value rowWeights =
        GatherOp::create(rewriter, loc, RankedTensorType::get({rowsCount}, ct),
                         flatWeights, perm, rewriter.getI64IntegerAttr(1));
    Value tokenCount;
    if (ShapedType::isDynamic(tokens))
      tokenCount = tensor::DimOp::create(rewriter, loc, x, 0);
    Value out = ScatterOp::create(rewriter, loc,
                                  RankedTensorType::get(xType.getShape(), ct),
                                  down, perm, rowWeights, tokenCount, kAttr);

    auto shared = op.getSharedWeights();
    if (!shared.empty()) {
      Value sharedHidden;
      if (op.getActivation() == Activation::swiglu) {
        Value gate = emit.einsum("th,hs->ts", {x, shared[0]}, ct, MapKind::mul,
                                 ReduceKind::add);
        Value up = emit.einsum("th,hs->ts", {x, shared[1]}, ct, MapKind::mul,
                               ReduceKind::add);
        sharedHidden =
            emitActivation(emit, Activation::swiglu, {gate, up}, "ts");
      } else {
        Value up = emit.einsum("th,hs->ts", {x, shared[0]}, ct, MapKind::mul,
                               ReduceKind::add);
        sharedHidden = emitActivation(emit, Activation::gelu, {up}, "ts");
      }
      Value sharedOut = emit.einsum("ts,sh->th", {sharedHidden, shared.back()},
                                    ct, MapKind::mul, ReduceKind::add);
      out = emit.einsum("th,th->th", {out, sharedOut}, ct, MapKind::add);
    }
    rewriter.replaceOp(op, emit.convert(out, xType.getElementType(), "th"));
    return success();
  }
};

struct CascadeDecomposePass
    : cascade::impl::CascadeDecomposeBase<CascadeDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // What is left has shapes the patterns do not take: say which.
    WalkResult result = getOperation()->walk([](Operation *op) {
      if (isa<AttentionOp>(op)) {
        op->emitError() << "cannot decompose 'cascade.attention' with a "
                           "run-time number of heads or head dim";
        return WalkResult::interrupt();
      }
      if (auto moe = dyn_cast<MoeOp>(op)) {
        if (moe.getCapacityFactor() &&
            cast<RankedTensorType>(moe.getInput().getType()).isDynamicDim(0))
          op->emitError() << "cannot decompose 'cascade.moe' with a capacity "
                             "factor and a run-time number of tokens";
        else
          op->emitError() << "cannot decompose 'cascade.moe' with a run-time "
                             "hidden size or number of experts";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void cascade::populateDecomposePatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeAttention, DecomposeMoe>(patterns.getContext());
}
