"""export_style.py MODEL.py OUTDIR [--core-aten | --torchscript]: exports
the model that MODEL.py's build() returns (model, *inputs: mostly tokens
and labels) with torch.export to OUTDIR/model.pt2 (with --core-aten after
run_decompositions()), or with --torchscript traces it to OUTDIR/model.pt
(examples/dsc_save.py: with the inputs' shapes; for a model torch.export
cannot save), and its batch to OUTDIR/batch.safetensors, under the names of
forward's parameters (images for a vision model). The models under styles/
were written for these tests in the idioms of public projects (Gemma,
Qwen2, Phi, T5), not in the ones dsc's examples use."""
import importlib.util
import inspect
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import dsc_save  # noqa: E402
import export  # noqa: E402
import safetensors_io  # noqa: E402


def main(path, out, *flags):
    spec = importlib.util.spec_from_file_location("style", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # for torch.compile (flex_attention) to import it
    spec.loader.exec_module(module)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model, *inputs = module.build()
    model.train()
    names = list(inspect.signature(model.forward).parameters)
    batch = dict(zip(names, inputs))
    if "--torchscript" in flags:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's, on Python values
            with export.random_branches_refused():
                traced = torch.jit.trace(model, tuple(inputs), check_trace=False)
        dsc_save.save(traced, os.path.join(out, "model.pt"), batch)
    else:
        export.export_program(model, tuple(inputs), os.path.join(out, "model.pt2"),
                              "--core-aten" in flags)
    safetensors_io.save(batch, os.path.join(out, "batch.safetensors"))


if __name__ == "__main__":
    main(*sys.argv[1:])
