//===- cascade-compile.cpp - ahead-of-time compilation to objects ---------===//
//
// cascade-compile FILE.mlir --target cpu[:CPU] [--triple T] -o kernels.o
//   [--header kernels.h] [--prefix NAME_] [cascade-lower-to-cpu options]
//
// Every public function becomes an entry point `<prefix><name>`; the header
// declares one launch function per entry point over the runtime's buffers
// (runtime/include/cascade/runtime.h).
//
//===----------------------------------------------------------------------===//

#include "cascade/InitAll.h"
#include "cascade/Target/CPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace cascade;
namespace cl = llvm::cl;

// --help lists these only: libLLVM registers hundreds of its own options.
static cl::OptionCategory compileCategory("cascade-compile options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(compileCategory));
static cl::opt<std::string>
    targetSpec("target",
               cl::desc("cpu or cpu:CPU (an LLVM CPU name such as "
                        "skylake-avx512, znver4, neoverse-n1; cpu and "
                        "cpu:native mean this machine's CPU)"),
               cl::init("cpu"), cl::cat(compileCategory));
static cl::opt<std::string>
    triple("triple",
           cl::desc("Target triple (default: the host's), e.g. "
                    "aarch64-linux-gnu"),
           cl::init(""), cl::cat(compileCategory));
static cl::opt<std::string> outputFile("o", cl::desc("Object file to write"),
                                       cl::Required, cl::cat(compileCategory));
static cl::opt<std::string> headerFile("header", cl::desc("C header to write"),
                                       cl::init(""), cl::cat(compileCategory));
static cl::opt<std::string>
    prefix("prefix",
           cl::desc("Prepended to every entry point's name (keeps the "
                    "symbols of several kernel files apart)"),
           cl::init(""), cl::cat(compileCategory));
static cl::opt<std::string>
    emitLLVMDialect("emit-mlir",
                    cl::desc("Also write the module lowered to the LLVM "
                             "dialect to this file"),
                    cl::init(""), cl::cat(compileCategory));
static cl::opt<int64_t> blockSize("block-size", cl::desc("Keys per block"),
                                  cl::init(cascade::cpu::Options().blockSize),
                                  cl::cat(compileCategory));
static cl::opt<int64_t> queryBlock("query-block",
                                   cl::desc("Queries per work item"),
                                   cl::init(cascade::cpu::Options().queryBlock),
                                   cl::cat(compileCategory));
static cl::opt<int64_t> splits("splits",
                               cl::desc("Split-KV scans (1: none; 0: 4 for "
                                        "a decode step, else none)"),
                               cl::init(cascade::cpu::Options().splits),
                               cl::cat(compileCategory));
static cl::opt<bool> padColumnMajorRows(
    "pad-column-major-rows",
    cl::desc("Rows of P (P.V's column-major A) allocated with an odd number "
             "of cache lines"),
    cl::init(cascade::cpu::Options().padColumnMajorRows),
    cl::cat(compileCategory));
static cl::opt<int64_t> hostLoopElements(
    "host-loop-elements",
    cl::desc("Elements from which a linalg op outside the work items runs "
             "as a parallel loop"),
    cl::init(cascade::cpu::Options().hostLoopElements),
    cl::cat(compileCategory));
static cl::opt<std::string>
    schedule("schedule",
             cl::desc("OpenMP schedule of the work items: static, dynamic "
                      "or guided"),
             cl::init(cascade::cpu::Options().schedule),
             cl::cat(compileCategory));
static cl::opt<std::string>
    targetDesc("target-desc",
               cl::desc("File holding a #tile.target<...> attribute"),
               cl::init(""), cl::cat(compileCategory));

[[noreturn]] static void fail(const llvm::Twine &msg) {
  llvm::errs() << "cascade-compile: error: " << msg << "\n";
  std::exit(1);
}

static void writeFile(StringRef path, StringRef data) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    fail(error);
  file->os() << data;
  file->keep();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(compileCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "cascade-compile: cascade programs to native "
                              "objects and C headers\n");
  auto [kind, cpuName] = StringRef(targetSpec).split(':');
  if (kind != "cpu")
    fail("target '" + kind + "' is not built yet; 'cpu' compiles today");

  DialectRegistry registry;
  registerAllDialects(registry);
  cpu::registerDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  ScopedDiagnosticHandler dropRemarks(&context, [](Diagnostic &diag) {
    return success(diag.getSeverity() == DiagnosticSeverity::Remark);
  });
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(inputFile, sourceMgr, ParserConfig(&context));
  if (!module)
    return 1;

  if (!prefix.empty()) {
    SymbolTable symbols(*module);
    for (auto func : llvm::to_vector(module->getOps<func::FuncOp>()))
      if (func.isPublic() && !func.isExternal())
        if (failed(symbols.rename(func, prefix + func.getSymName().str())))
          fail("cannot rename '" + func.getSymName() + "'");
  }
  FailureOr<SmallVector<cpu::EntryPoint, 0>> entries =
      cpu::prepareEntryPoints(*module);
  if (failed(entries))
    return 1;
  cpu::Options options;
  options.blockSize = blockSize;
  options.queryBlock = queryBlock;
  options.splits = splits;
  options.padColumnMajorRows = padColumnMajorRows;
  options.hostLoopElements = hostLoopElements;
  options.targetDesc = targetDesc;
  options.schedule = schedule;
  if (failed(cpu::lowerToLLVM(*module, options)))
    return 1;
  if (!emitLLVMDialect.empty()) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    writeFile(emitLLVMDialect, text);
  }
  llvm::Expected<std::string> object =
      cpu::emitObject(*module, triple, cpuName);
  if (!object)
    fail(llvm::toString(object.takeError()));
  writeFile(outputFile, *object);
  if (!headerFile.empty()) {
    std::string guard = "CASCADE_KERNELS_" +
                         llvm::sys::path::stem(headerFile).upper() + "_H";
    for (char &c : guard)
      if (!llvm::isAlnum(c))
        c = '_';
    writeFile(headerFile, cpu::emitHeader(*entries, "", guard));
  }
  return 0;
}
