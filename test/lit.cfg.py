# lit configuration for the cascade test suite.
import os
import random

import lit.formats

config.name = "Cascade"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.cascade_obj_root, "test")

# Numeric tests draw fresh random inputs on every run; the seed is printed so
# a failure can be replayed with CASCADE_TEST_SEED=<seed>.
seed = os.environ.get("CASCADE_TEST_SEED") or str(random.randrange(1, 1 << 31))
lit_config.note("random-input seed: %s (replay with CASCADE_TEST_SEED=%s)" % (seed, seed))
config.substitutions.append(("%seed", seed))
config.substitutions.append(("%examples", os.path.join(config.cascade_src_root, "examples")))
config.substitutions.append(("%srcroot", config.cascade_src_root))
config.substitutions.append(("%objroot", config.cascade_obj_root))

path = os.pathsep.join([config.cascade_tools_dir, config.llvm_tools_dir,
                        config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path

import sys
config.substitutions.append(("%python", sys.executable))
config.substitutions.append(("%compare-reference", "bash " + os.path.join(config.test_source_root, "Inputs", "compare-reference.sh")))

# An x86-64 CPU with AVX2 runs the microkernel's AVX2-only build.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        if " avx2" in cpuinfo.read():
            config.available_features.add("x86-avx2")
except OSError:
    pass

# The ASan+UBSan build (scripts/fuzz.sh): applications built against its
# instrumented runtime would need the sanitizer runtimes themselves.
if config.cascade_sanitize.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("sanitized")
