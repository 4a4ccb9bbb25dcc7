# -*- Python -*-
# lit configuration for dsc's FileCheck and end-to-end tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "DSC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "Unit", "corpus"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dsc_obj_root, "test")

config.substitutions.append(("%PYTHON", config.python_executable))
config.substitutions.append(("%dsc_src_root", config.dsc_src_root))
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

if config.dsc_enable_torch:
    config.available_features.add("torch")
    # Tests of what --device cuda says where no GPU is visible (this suite's
    # machines); scripts/device-check.sh checks the GPU path on one.
    import subprocess
    try:
        info = subprocess.run([os.path.join(config.dsc_tools_dir, "ds-run"), "--device-info"],
                              capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        info = ""
    if " 0 GPUs visible" in info or "not available" in info:
        config.available_features.add("no-gpu")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

tool_dirs = [config.dsc_tools_dir, config.llvm_tools_dir]
tools = ["ds-opt", "ds-import", "ds-compile", "ds-run", "not", "count"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Helper scripts (test/e2e/Inputs) call the tools by name.
llvm_config.with_environment("PATH", config.dsc_tools_dir, append_path=True)
