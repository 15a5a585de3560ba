//===- cascade-run.cpp - run cascade programs on .npy inputs --------------===//
//
// cascade-run FILE.mlir [--entry F] [--input NAME=x.npy ...]
//   [--random-inputs SEED] [--output out.npy ...] [--target T] [--check]
//   [--bench] [--expect NAME=ref.npy ...] [--print]
//
//===----------------------------------------------------------------------===//

#include "cascade/Dialect/Cascade.h"
#include "cascade/InitAll.h"
#include "cascade/Reference/Interpreter.h"
#include "cascade/Support/Npy.h"
#include "cascade/Target/CPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <functional>
#include <cmath>
#include <random>

using namespace mlir;
using namespace cascade;
namespace cl = llvm::cl;

// --help lists these only: libLLVM registers hundreds of its own options.
static cl::OptionCategory runCategory("cascade-run options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(runCategory));
static cl::opt<std::string>
    entryName("entry",
              cl::desc("Function to run (default: main, or the only "
                       "function in the module)"),
              cl::init(""), cl::cat(runCategory));
static cl::list<std::string>
    inputs("input",
           cl::desc("NAME=file.npy: value of an argument, named by "
                    "its cascade.name attribute, argN or N"),
           cl::cat(runCategory));
static cl::opt<uint64_t> randomSeed(
    "random-inputs",
    cl::desc("Fill arguments without --input with random values from SEED: "
             "floats ~ N(0, 1); integers uniform in the argument's "
             "cascade.range = [lo, hi) (default [0, 4))"),
    cl::cat(runCategory));
static cl::opt<std::string>
    saveInputs("save-inputs",
               cl::desc("Write every argument to PREFIX<name>.npy"),
               cl::init(""), cl::cat(runCategory));
static cl::list<std::string>
    outputs("output", cl::desc("file.npy for the next result, in order"),
            cl::cat(runCategory));
enum class Target { reference, cpu, cuda, hip, spatial };
static cl::opt<Target> target(
    "target", cl::desc("Where to run"), cl::init(Target::reference),
    cl::values(clEnumValN(Target::reference, "reference",
                          "float64 reference interpreter"),
               clEnumValN(Target::cpu, "cpu",
                          "host CPU through the JIT (cascade-lower-to-cpu)"),
               clEnumValN(Target::cuda, "cuda", "NVIDIA GPU (not built yet)"),
               clEnumValN(Target::hip, "hip", "AMD GPU (not built yet)"),
               clEnumValN(Target::spatial, "spatial",
                          "spatial-array simulator (not built yet)")),
    cl::cat(runCategory));
static cl::opt<bool> check("check",
                           cl::desc("Compare the target with the reference "
                                    "and print the max and relative error"),
                           cl::cat(runCategory));
static cl::opt<bool> bench("bench", cl::desc("Time repeated runs"),
                           cl::cat(runCategory));
static cl::opt<unsigned> benchIters("bench-iters",
                                    cl::desc("Runs timed by --bench"),
                                    cl::init(5), cl::cat(runCategory));
static cl::list<std::string>
    expects("expect",
            cl::desc("NAME=file.npy: fail unless result NAME "
                     "(resultN or N) matches the file within "
                     "--atol/--rtol"),
            cl::cat(runCategory));
static cl::opt<double> absTol("atol",
                              cl::desc("Absolute tolerance of --expect"),
                              cl::init(1e-9), cl::cat(runCategory));
static cl::opt<double> relTol("rtol",
                              cl::desc("Relative tolerance of --expect"),
                              cl::init(1e-9), cl::cat(runCategory));
static cl::opt<int> numThreads("num-threads",
                               cl::desc("CPU target: threads for work items "
                                        "(0: one per core)"),
                               cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t> blockSize("block-size",
                                  cl::desc("CPU target: keys per block"),
                                  cl::init(cascade::cpu::Options().blockSize),
                                  cl::cat(runCategory));
static cl::opt<int64_t>
    queryBlock("query-block", cl::desc("CPU target: queries per work item"),
               cl::init(cascade::cpu::Options().queryBlock),
               cl::cat(runCategory));
static cl::opt<int64_t> splits("splits",
                               cl::desc("CPU target: split-KV scans (1: "
                                        "none; 0: 4 for a decode step)"),
                               cl::init(cascade::cpu::Options().splits),
                               cl::cat(runCategory));
static cl::opt<bool> padColumnMajorRows(
    "pad-column-major-rows",
    cl::desc("CPU target: rows of P (P.V's column-major A) allocated "
             "with an odd number of cache lines"),
    cl::init(cascade::cpu::Options().padColumnMajorRows), cl::cat(runCategory));
static cl::opt<int64_t> hostLoopElements(
    "host-loop-elements",
    cl::desc("CPU target: elements from which a linalg op outside the work "
             "items runs as a parallel loop"),
    cl::init(cascade::cpu::Options().hostLoopElements), cl::cat(runCategory));
static cl::opt<std::string>
    schedule("schedule",
             cl::desc("CPU target: OpenMP schedule of the work items "
                      "(static, dynamic or guided)"),
             cl::init(cascade::cpu::Options().schedule), cl::cat(runCategory));
static cl::opt<std::string>
    dumpLowered("dump-lowered",
                cl::desc("CPU target: write the module lowered to the LLVM "
                         "dialect to this file"),
                cl::init(""), cl::cat(runCategory));
static cl::opt<bool> printValues("print",
                                 cl::desc("Print every result's values"),
                                 cl::cat(runCategory));

[[noreturn]] static void fail(const llvm::Twine &msg) {
  llvm::errs() << "cascade-run: error: " << msg << "\n";
  std::exit(1);
}

static std::string argName(func::FuncOp func, unsigned i) {
  if (auto name = func.getArgAttrOfType<StringAttr>(i, kNameAttr))
    return name.str();
  return "arg" + std::to_string(i);
}

/// Index named by `name` among `names` ("q", "arg0", "0"), or -1.
static int lookupName(ArrayRef<std::string> names, StringRef prefix,
                      StringRef name) {
  for (auto [i, n] : llvm::enumerate(names))
    if (n == name)
      return static_cast<int>(i);
  unsigned index;
  StringRef digits = name;
  digits.consume_front(prefix);
  if (!digits.getAsInteger(10, index) && index < names.size())
    return static_cast<int>(index);
  return -1;
}

static std::pair<StringRef, StringRef> splitAssignment(StringRef option,
                                                       StringRef flag) {
  auto [name, path] = option.split('=');
  if (name.empty() || path.empty())
    fail("--" + flag + " expects NAME=file.npy, got '" + option + "'");
  return {name, path};
}

static HostTensor randomTensor(func::FuncOp func, unsigned i,
                               RankedTensorType type, uint64_t seed) {
  if (!type.hasStaticShape())
    fail("argument '" + argName(func, i) +
         "' has a dynamic shape; give it with --input");
  HostTensor t(type.getShape(), *dtypeOf(type.getElementType()));
  std::mt19937_64 rng(seed * 1000003ull + i);
  if (isFloatDType(t.dtype)) {
    std::normal_distribution<double> normal(0.0, 1.0);
    for (double &v : t.data)
      v = roundToDType(normal(rng), t.dtype);
    return t;
  }
  int64_t lo = 0, hi = t.dtype == DType::i1 ? 2 : 4;
  // (Its form, lo < hi, is the dialect's to verify.)
  if (auto range = func.getArgAttrOfType<DenseI64ArrayAttr>(i, kRangeAttr)) {
    lo = range[0];
    hi = range[1];
  }
  std::uniform_int_distribution<int64_t> uniform(lo, hi - 1);
  for (double &v : t.data)
    v = static_cast<double>(uniform(rng));
  return t;
}

static void printSummary(unsigned i, const HostTensor &t) {
  double mn = INFINITY, mx = -INFINITY, sum = 0;
  int64_t nonFinite = 0;
  for (double v : t.data) {
    if (!std::isfinite(v)) {
      ++nonFinite;
      continue;
    }
    mn = std::min(mn, v);
    mx = std::max(mx, v);
    sum += v;
  }
  llvm::outs() << "result" << i << ": " << t.describe() << "  min "
               << llvm::format("%.6g", mn) << "  max "
               << llvm::format("%.6g", mx) << "  sum "
               << llvm::format("%.10g", sum);
  if (nonFinite)
    llvm::outs() << "  non-finite " << nonFinite;
  llvm::outs() << "\n";
}

static void printTensor(unsigned i, const HostTensor &t) {
  llvm::outs() << "result" << i << " = [";
  for (auto [j, v] : llvm::enumerate(t.data)) {
    llvm::outs() << (j ? ", " : "");
    if (std::isnan(v))
      llvm::outs() << "nan"; // the sign of a NaN carries no meaning
    else
      llvm::outs() << llvm::format("%.9g", v);
  }
  llvm::outs() << "]\n";
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "cascade-run: run a cascade program on .npy "
                              "inputs\n");

  if (target != Target::reference && target != Target::cpu) {
    StringRef name = target == Target::cuda ? "cuda"
                     : target == Target::hip ? "hip"
                                             : "spatial";
    llvm::errs() << "cascade-run: error: target '" << name
                 << "' is not built yet; 'reference' and 'cpu' run today\n";
    return 2;
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  cpu::registerDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  // Remarks (block statistics, "not tiled") are for cascade-opt users.
  ScopedDiagnosticHandler dropRemarks(&context, [](Diagnostic &diag) {
    return success(diag.getSeverity() == DiagnosticSeverity::Remark);
  });
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(inputFile, sourceMgr, ParserConfig(&context));
  if (!module)
    return 1;

  func::FuncOp func;
  if (!entryName.empty()) {
    func = module->lookupSymbol<func::FuncOp>(entryName);
    if (!func)
      fail("no function '" + entryName + "' in " + inputFile);
  } else {
    func = module->lookupSymbol<func::FuncOp>("main");
    if (!func) {
      auto funcs = module->getOps<func::FuncOp>();
      if (std::distance(funcs.begin(), funcs.end()) != 1)
        fail("no 'main' function and not exactly one function; use --entry");
      func = *funcs.begin();
    }
  }

  // Arguments: from files, then random fill.
  unsigned numArgs = func.getNumArguments();
  std::vector<std::string> names;
  for (unsigned i = 0; i < numArgs; ++i)
    names.push_back(argName(func, i));
  SmallVector<std::optional<HostTensor>> args(numArgs);
  for (StringRef option : inputs) {
    auto [name, path] = splitAssignment(option, "input");
    int index = lookupName(names, "arg", name);
    if (index < 0)
      fail("--input names '" + name + "', which is no argument of '" +
           func.getSymName() + "' (arguments: " + llvm::join(names, ", ") +
           ")");
    llvm::Expected<HostTensor> tensor = readNpy(path);
    if (!tensor)
      fail(llvm::toString(tensor.takeError()));
    args[index] = std::move(*tensor);
  }
  SmallVector<HostTensor> argValues;
  for (unsigned i = 0; i < numArgs; ++i) {
    if (!args[i]) {
      auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[i]);
      if (!type || !dtypeOf(type.getElementType()))
        fail("argument '" + names[i] + "' is not a tensor the tools exchange");
      if (randomSeed.getNumOccurrences() == 0)
        fail("no value for argument '" + names[i] + "'; give --input " +
             names[i] + "=file.npy or --random-inputs SEED");
      args[i] = randomTensor(func, i, type, randomSeed);
    }
    argValues.push_back(*args[i]);
    if (!saveInputs.empty())
      if (llvm::Error err =
              writeNpy(saveInputs + names[i] + ".npy", argValues.back()))
        fail(llvm::toString(std::move(err)));
  }

  // The target's results; for the reference target, the reference's.
  std::function<FailureOr<SmallVector<HostTensor>>()> runTarget;
  double kernelMs = -1; // the compiled call alone, when the target has one
  std::unique_ptr<cpu::JitModule> jit;
  StringRef targetName = target == Target::cpu ? "cpu" : "reference";
  if (target == Target::cpu) {
    auto compileStart = std::chrono::steady_clock::now();
    OwningOpRef<ModuleOp> lowered = module->clone();
    // Only the entry is compiled.
    for (auto other : llvm::to_vector(lowered->getOps<func::FuncOp>()))
      if (other.getSymName() != func.getSymName() && other.isPublic())
        other.erase();
    FailureOr<SmallVector<cpu::EntryPoint, 0>> entries =
        cpu::prepareEntryPoints(*lowered);
    if (failed(entries))
      return 1;
    cpu::Options options;
    options.blockSize = blockSize;
    options.queryBlock = queryBlock;
    options.splits = splits;
    options.padColumnMajorRows = padColumnMajorRows;
    options.hostLoopElements = hostLoopElements;
    options.schedule = schedule;
    if (failed(cpu::lowerToLLVM(*lowered, options)))
      return 1;
    if (!dumpLowered.empty()) {
      std::string error;
      auto file = openOutputFile(dumpLowered, &error);
      if (!file)
        fail(error);
      lowered->print(file->os());
      file->keep();
    }
    auto created = cpu::JitModule::create(*lowered, *entries);
    if (!created)
      fail("JIT: " + llvm::toString(created.takeError()));
    jit = std::move(*created);
    llvm::outs() << "cpu: compiled in "
                 << llvm::format("%.1f",
                                 std::chrono::duration<double, std::milli>(
                                     std::chrono::steady_clock::now() -
                                     compileStart)
                                     .count())
                 << " ms\n";
    std::string entry = func.getSymName().str();
    runTarget = [&, entry]() -> FailureOr<SmallVector<HostTensor>> {
      auto r = jit->run(entry, argValues, numThreads, &kernelMs);
      if (!r) {
        llvm::errs() << "cascade-run: error: " << llvm::toString(r.takeError())
                     << "\n";
        return failure();
      }
      return std::move(*r);
    };
  } else {
    runTarget = [&]() { return interpret(func, argValues); };
  }

  auto start = std::chrono::steady_clock::now();
  FailureOr<SmallVector<HostTensor>> results = runTarget();
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  if (failed(results))
    return 1;

  for (auto [i, t] : llvm::enumerate(*results)) {
    printSummary(i, t);
    if (printValues)
      printTensor(i, t);
  }
  llvm::outs() << targetName << ": " << llvm::format("%.3f", ms) << " ms\n";
  if (bench) {
    std::vector<double> times;
    for (unsigned it = 0; it < benchIters; ++it) {
      auto t0 = std::chrono::steady_clock::now();
      if (failed(runTarget()))
        return 1;
      times.push_back(kernelMs >= 0
                          ? kernelMs
                          : std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - t0)
                                .count());
    }
    std::sort(times.begin(), times.end());
    llvm::outs() << "bench: " << targetName << " median "
                 << llvm::format("%.3f", times[times.size() / 2]) << " ms over "
                 << benchIters << " runs\n";
  }
  if (check && target == Target::reference)
    llvm::outs() << "check: target 'reference' is the reference itself; max "
                    "abs error 0, max rel error 0\n";
  if (check && target != Target::reference) {
    FailureOr<SmallVector<HostTensor>> want = interpret(func, argValues);
    if (failed(want))
      return 1;
    bool bad = false;
    for (auto [i, pair] : llvm::enumerate(llvm::zip(*results, *want))) {
      auto &[got, ref] = pair;
      double maxAbs = 0, maxRel = 0, refMax = 0;
      int64_t nanMismatch = 0;
      for (int64_t j = 0; j < got.size(); ++j) {
        double r = roundToDType(ref.data[j], ref.dtype), g = got.data[j];
        if (std::isnan(r) != std::isnan(g) ||
            (std::isinf(r) && r != g)) {
          ++nanMismatch;
          continue;
        }
        if (!std::isfinite(r))
          continue;
        double diff = std::fabs(g - r);
        maxAbs = std::max(maxAbs, diff);
        refMax = std::max(refMax, std::fabs(r));
        if (r != 0)
          maxRel = std::max(maxRel, diff / std::fabs(r));
      }
      llvm::outs() << "check: result" << i << " max abs error "
                   << llvm::format("%.3g", maxAbs) << " (reference max |x| "
                   << llvm::format("%.3g", refMax) << "), max rel error "
                   << llvm::format("%.3g", maxRel);
      if (nanMismatch) {
        llvm::outs() << ", " << nanMismatch
                     << " elements where one side is NaN/inf and the other "
                        "is not";
        bad = true;
      }
      llvm::outs() << "\n";
    }
    if (bad)
      return 1;
  }

  if (outputs.size() > results->size())
    fail(llvm::Twine(outputs.size()) + " --output files for " +
         llvm::Twine(results->size()) + " results");
  for (auto [path, t] : llvm::zip(outputs, *results)) {
    HostTensor rounded = t;
    for (double &v : rounded.data)
      v = roundToDType(v, rounded.dtype);
    if (llvm::Error err = writeNpy(path, rounded))
      fail(llvm::toString(std::move(err)));
  }

  std::vector<std::string> resultNames;
  for (unsigned i = 0; i < results->size(); ++i)
    resultNames.push_back("result" + std::to_string(i));
  bool ok = true;
  for (StringRef option : expects) {
    auto [name, path] = splitAssignment(option, "expect");
    int index = lookupName(resultNames, "result", name);
    if (index < 0)
      fail("--expect names '" + name + "', which is no result");
    llvm::Expected<HostTensor> want = readNpy(path);
    if (!want)
      fail(llvm::toString(want.takeError()));
    const HostTensor &got = (*results)[index];
    if (want->shape != got.shape)
      fail("--expect " + name + ": shape " + got.describe() + " vs " +
           want->describe() + " in " + path);
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0, firstBad = -1;
    for (int64_t j = 0; j < got.size(); ++j) {
      double a = got.data[j], b = want->data[j];
      bool same = (std::isnan(a) && std::isnan(b)) || a == b;
      double diff = same ? 0 : std::fabs(a - b);
      if (!same &&
          (std::isnan(diff) || diff > absTol + relTol * std::fabs(b))) {
        if (firstBad < 0)
          firstBad = j;
        ++bad;
      }
      if (!std::isnan(diff)) {
        maxAbs = std::max(maxAbs, diff);
        if (b != 0)
          maxRel = std::max(maxRel, diff / std::fabs(b));
      }
    }
    llvm::outs() << "expect " << name << ": max abs error "
                 << llvm::format("%.3g", maxAbs) << ", max rel error "
                 << llvm::format("%.3g", maxRel) << ", " << bad
                 << " mismatches\n";
    if (bad) {
      llvm::errs() << "cascade-run: error: result " << name << " differs from "
                   << path << " at " << bad << " of " << got.size()
                   << " elements; first at flat index " << firstBad << ": got "
                   << llvm::format("%.17g", got.data[firstBad]) << ", expected "
                   << llvm::format("%.17g", want->data[firstBad]);
      if (randomSeed.getNumOccurrences())
        llvm::errs() << " (seed " << randomSeed << ")";
      llvm::errs() << "\n";
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
