"""export_style.py MODEL.py OUTDIR [--core-aten]: exports the model that
MODEL.py's build() returns (model, *inputs: tokens and labels
mostly) with torch.export to
OUTDIR/model.pt2 (with --core-aten after run_decompositions()) and its
batch to OUTDIR/batch.safetensors, under the names of forward's parameters
(images for a vision model). The models under
styles/ were written for these tests in the idioms of public projects
(Gemma, Qwen2, Phi, T5), not in the ones dsc's examples use."""
import importlib.util
import inspect
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import safetensors_io  # noqa: E402


def main(path, out, *flags):
    spec = importlib.util.spec_from_file_location("style", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model, *inputs = module.build()
    model.train()
    program = torch.export.export(model, tuple(inputs))
    if "--core-aten" in flags:
        program = program.run_decompositions()
    torch.export.save(program, os.path.join(out, "model.pt2"))
    names = list(inspect.signature(model.forward).parameters)
    safetensors_io.save(dict(zip(names, inputs)),
                        os.path.join(out, "batch.safetensors"))


if __name__ == "__main__":
    main(*sys.argv[1:])
