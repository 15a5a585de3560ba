//===- ScalarProgram.cpp - einsum map regions as float64 scalar code ------===//
//
// Map regions run once per einsum point, so they are compiled once into a
// flat instruction list over float64 slots instead of walking the IR per
// point. Integer ops operate on the same slots (exact below 2^53).
//
//===----------------------------------------------------------------------===//

#include "ReferenceImpl.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace cascade;
using namespace cascade::reference;

namespace {
enum class Opc {
  Const,
  Coord,
  Copy,
  Add,
  Sub,
  Mul,
  Div,
  Rem,
  DivTrunc,
  Maximum,
  Minimum,
  MaxNum,
  MinNum,
  Neg,
  CmpF,
  CmpI,
  Select,
  Exp,
  Exp2,
  Log,
  Log2,
  Log1p,
  Expm1,
  Tanh,
  Erf,
  Sqrt,
  Rsqrt,
  Abs,
  Pow,
  Floor,
  Ceil,
  Trunc,
  Bool
};
} // namespace

struct ScalarProgram::Inst {
  Opc opc;
  unsigned dst = 0, a = 0, b = 0, c = 0;
  int pred = 0;
  double imm = 0;
};

ScalarProgram::~ScalarProgram() = default;

static bool cmpF(arith::CmpFPredicate pred, double a, double b) {
  using P = arith::CmpFPredicate;
  bool unordered = std::isnan(a) || std::isnan(b);
  switch (pred) {
  case P::AlwaysFalse:
    return false;
  case P::OEQ:
    return !unordered && a == b;
  case P::OGT:
    return !unordered && a > b;
  case P::OGE:
    return !unordered && a >= b;
  case P::OLT:
    return !unordered && a < b;
  case P::OLE:
    return !unordered && a <= b;
  case P::ONE:
    return !unordered && a != b;
  case P::ORD:
    return !unordered;
  case P::UEQ:
    return unordered || a == b;
  case P::UGT:
    return unordered || a > b;
  case P::UGE:
    return unordered || a >= b;
  case P::ULT:
    return unordered || a < b;
  case P::ULE:
    return unordered || a <= b;
  case P::UNE:
    return unordered || a != b;
  case P::UNO:
    return unordered;
  case P::AlwaysTrue:
    return true;
  }
  return false;
}

static bool cmpI(arith::CmpIPredicate pred, double a, double b) {
  using P = arith::CmpIPredicate;
  switch (pred) {
  case P::eq:
    return a == b;
  case P::ne:
    return a != b;
  case P::slt:
  case P::ult:
    return a < b;
  case P::sle:
  case P::ule:
    return a <= b;
  case P::sgt:
  case P::ugt:
    return a > b;
  case P::sge:
  case P::uge:
    return a >= b;
  }
  return false;
}

std::unique_ptr<ScalarProgram>
ScalarProgram::compile(Region &region,
                       llvm::function_ref<int(char)> coordIndex) {
  auto program = std::unique_ptr<ScalarProgram>(new ScalarProgram());
  Block &block = region.front();
  llvm::DenseMap<Value, unsigned> slotOf;
  unsigned next = 0;
  for (BlockArgument arg : block.getArguments())
    slotOf[arg] = next++;
  program->numArgs = next;
  auto slot = [&](Value v) { return slotOf.lookup(v); };

  for (Operation &op : block) {
    if (auto yield = dyn_cast<YieldOp>(op)) {
      program->resultSlot = slot(yield.getValues()[0]);
      break;
    }
    if (op.getNumResults() != 1) {
      op.emitError() << "reference interpreter does not support '"
                     << op.getName() << "' in an einsum map region";
      return nullptr;
    }
    Inst inst;
    inst.dst = next;
    auto operand = [&](unsigned i) { return slot(op.getOperand(i)); };
    auto unary = [&](Opc opc) {
      inst.opc = opc;
      inst.a = operand(0);
      return true;
    };
    auto binary = [&](Opc opc) {
      inst.opc = opc;
      inst.a = operand(0);
      inst.b = operand(1);
      return true;
    };
    bool ok =
        llvm::TypeSwitch<Operation *, bool>(&op)
            .Case([&](arith::ConstantOp c) {
              inst.opc = Opc::Const;
              if (auto f = dyn_cast<FloatAttr>(c.getValue()))
                inst.imm = f.getValueAsDouble();
              else if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
                inst.imm =
                    i.getType().isInteger(1)
                        ? static_cast<double>(i.getValue().getBoolValue())
                        : static_cast<double>(i.getValue().getSExtValue());
              else
                return false;
              return true;
            })
            .Case([&](CoordOp c) {
              inst.opc = Opc::Coord;
              inst.a = coordIndex(c.getName()[0]);
              return true;
            })
            .Case<arith::AddFOp, arith::AddIOp>(
                [&](auto) { return binary(Opc::Add); })
            .Case<arith::SubFOp, arith::SubIOp>(
                [&](auto) { return binary(Opc::Sub); })
            .Case<arith::MulFOp, arith::MulIOp>(
                [&](auto) { return binary(Opc::Mul); })
            .Case([&](arith::DivFOp) { return binary(Opc::Div); })
            .Case([&](arith::DivSIOp) { return binary(Opc::DivTrunc); })
            .Case([&](arith::RemSIOp) { return binary(Opc::Rem); })
            .Case([&](arith::RemFOp) { return binary(Opc::Rem); })
            .Case<arith::MaximumFOp, arith::MaxSIOp>(
                [&](auto) { return binary(Opc::Maximum); })
            .Case<arith::MinimumFOp, arith::MinSIOp>(
                [&](auto) { return binary(Opc::Minimum); })
            .Case([&](arith::MaxNumFOp) { return binary(Opc::MaxNum); })
            .Case([&](arith::MinNumFOp) { return binary(Opc::MinNum); })
            .Case([&](arith::NegFOp) { return unary(Opc::Neg); })
            .Case([&](arith::CmpFOp c) {
              inst.pred = static_cast<int>(c.getPredicate());
              return binary(Opc::CmpF);
            })
            .Case([&](arith::CmpIOp c) {
              inst.pred = static_cast<int>(c.getPredicate());
              return binary(Opc::CmpI);
            })
            .Case([&](arith::SelectOp) {
              inst.opc = Opc::Select;
              inst.a = operand(0);
              inst.b = operand(1);
              inst.c = operand(2);
              return true;
            })
            // Conversions: the reference does not round intermediates.
            .Case<arith::ExtFOp, arith::TruncFOp, arith::SIToFPOp,
                  arith::UIToFPOp, arith::IndexCastOp, arith::ExtSIOp,
                  arith::TruncIOp, arith::BitcastOp>([&](Operation *o) {
              if (isa<arith::BitcastOp>(o))
                return false;
              return unary(Opc::Copy);
            })
            // Zero extension keeps the value only from i1 (0 or 1): other
            // integers are held signed.
            .Case([&](arith::ExtUIOp o) {
              if (!o.getIn().getType().isInteger(1))
                return false;
              return unary(Opc::Copy);
            })
            .Case<arith::FPToSIOp, arith::FPToUIOp>(
                [&](auto) { return unary(Opc::Trunc); })
            .Case([&](math::ExpOp) { return unary(Opc::Exp); })
            .Case([&](math::Exp2Op) { return unary(Opc::Exp2); })
            .Case([&](math::LogOp) { return unary(Opc::Log); })
            .Case([&](math::Log2Op) { return unary(Opc::Log2); })
            .Case([&](math::Log1pOp) { return unary(Opc::Log1p); })
            .Case([&](math::ExpM1Op) { return unary(Opc::Expm1); })
            .Case([&](math::TanhOp) { return unary(Opc::Tanh); })
            .Case([&](math::ErfOp) { return unary(Opc::Erf); })
            .Case([&](math::SqrtOp) { return unary(Opc::Sqrt); })
            .Case([&](math::RsqrtOp) { return unary(Opc::Rsqrt); })
            .Case([&](math::AbsFOp) { return unary(Opc::Abs); })
            .Case([&](math::FloorOp) { return unary(Opc::Floor); })
            .Case([&](math::CeilOp) { return unary(Opc::Ceil); })
            .Case([&](math::PowFOp) { return binary(Opc::Pow); })
            .Default([](Operation *) { return false; });
    if (!ok) {
      op.emitError() << "reference interpreter does not support '"
                     << op.getName() << "' in an einsum map region";
      return nullptr;
    }
    slotOf[op.getResult(0)] = next++;
    program->insts.push_back(inst);
  }
  program->numSlots = next;
  program->slots.assign(next, 0.0);
  return program;
}

double ScalarProgram::run(const double *args, const int64_t *coords) const {
  double *s = slots.data();
  for (unsigned i = 0; i < numArgs; ++i)
    s[i] = args[i];
  for (const Inst &in : insts) {
    double a = s[in.a], b = s[in.b];
    double r = 0;
    switch (in.opc) {
    case Opc::Const:
      r = in.imm;
      break;
    case Opc::Coord:
      r = static_cast<double>(coords[in.a]);
      break;
    case Opc::Copy:
      r = a;
      break;
    case Opc::Add:
      r = a + b;
      break;
    case Opc::Sub:
      r = a - b;
      break;
    case Opc::Mul:
      r = a * b;
      break;
    case Opc::Div:
      r = a / b;
      break;
    case Opc::DivTrunc:
      r = b == 0 ? 0 : std::trunc(a / b);
      break;
    case Opc::Rem:
      r = std::fmod(a, b);
      break;
    case Opc::Maximum:
      r = nanMax(a, b);
      break;
    case Opc::Minimum:
      r = nanMin(a, b);
      break;
    case Opc::MaxNum:
      r = std::fmax(a, b);
      break;
    case Opc::MinNum:
      r = std::fmin(a, b);
      break;
    case Opc::Neg:
      r = -a;
      break;
    case Opc::CmpF:
      r = cmpF(static_cast<arith::CmpFPredicate>(in.pred), a, b);
      break;
    case Opc::CmpI:
      r = cmpI(static_cast<arith::CmpIPredicate>(in.pred), a, b);
      break;
    case Opc::Select:
      r = a != 0 ? b : s[in.c];
      break;
    case Opc::Exp:
      r = std::exp(a);
      break;
    case Opc::Exp2:
      r = std::exp2(a);
      break;
    case Opc::Log:
      r = std::log(a);
      break;
    case Opc::Log2:
      r = std::log2(a);
      break;
    case Opc::Log1p:
      r = std::log1p(a);
      break;
    case Opc::Expm1:
      r = std::expm1(a);
      break;
    case Opc::Tanh:
      r = std::tanh(a);
      break;
    case Opc::Erf:
      r = std::erf(a);
      break;
    case Opc::Sqrt:
      r = std::sqrt(a);
      break;
    case Opc::Rsqrt:
      r = 1.0 / std::sqrt(a);
      break;
    case Opc::Abs:
      r = std::fabs(a);
      break;
    case Opc::Pow:
      r = std::pow(a, b);
      break;
    case Opc::Floor:
      r = std::floor(a);
      break;
    case Opc::Ceil:
      r = std::ceil(a);
      break;
    case Opc::Trunc:
      r = std::trunc(a);
      break;
    case Opc::Bool:
      r = a != 0;
      break;
    }
    s[in.dst] = r;
  }
  return s[resultSlot];
}
