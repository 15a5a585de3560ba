//===- Object.cpp - native objects through LLVM's TargetMachine -----------===//

#include "cascade/Target/CPU.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;
using namespace cascade;

static llvm::Error errorf(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Error cpu::optimizeModule(llvm::Module &module,
                                llvm::TargetMachine &machine, int optLevel) {
  if (machine.getTargetTriple().isX86() &&
      machine.getMCSubtargetInfo()->checkFeatures("+avx512f"))
    for (llvm::Function &fn : module)
      if (!fn.isDeclaration())
        fn.addFnAttr("prefer-vector-width", "512");
  return makeOptimizingTransformer(optLevel, 0, &machine)(&module);
}

llvm::Expected<std::string> cpu::emitObject(ModuleOp module,
                                            StringRef tripleName,
                                            StringRef cpuName, int optLevel) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();

  llvm::Triple triple(tripleName.empty() ? llvm::sys::getDefaultTargetTriple()
                                         : tripleName.str());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return errorf("target triple '" + triple.str() + "': " + error);

  // "native" (or nothing, for the host triple) means this machine's CPU and
  // every feature it has.
  std::string cpu = cpuName.str(), features;
  bool host = triple == llvm::Triple(llvm::sys::getDefaultTargetTriple());
  if (cpu.empty() || cpu == "native") {
    if (!host && cpu == "native")
      return errorf("--target cpu:native needs the host triple, not " +
                    triple.str());
    if (host) {
      cpu = llvm::sys::getHostCPUName().str();
      llvm::SubtargetFeatures f;
      for (auto &[name, on] : llvm::sys::getHostCPUFeatures())
        f.AddFeature(name, on);
      features = f.getString();
    } else {
      cpu = "generic";
    }
  }
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, cpu, ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    return errorf("unknown CPU '" + cpu + "' for " + triple.str());

  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, options, llvm::Reloc::PIC_, std::nullopt,
      optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive
                    : llvm::CodeGenOptLevel::Default));
  if (!machine)
    return errorf("cannot create a target machine for " + triple.str());

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return errorf("translation to LLVM IR failed");
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  if (llvm::Error err = optimizeModule(*llvmModule, *machine, optLevel))
    return std::move(err);

  llvm::SmallString<0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return errorf(triple.str() + " cannot emit object files");
  codegen.run(*llvmModule);
  return std::string(object.str());
}
