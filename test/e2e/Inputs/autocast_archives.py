"""autocast_archives.py OUTDIR: the archives of a small model that
ds-import must refuse, and examples/export.py's refusal. OUTDIR/region.pt2:
torch.export's program of a forward with a torch.autocast region, saved as
is (the region a higher-order op, its casts not written out);
OUTDIR/outer.pt2: exported under an autocast context, which torch.export
does not record (the linears' recorded types are bfloat16, their inputs
float32). Then export_program under an autocast context, which fails."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import export  # noqa: E402


class Inner(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(8, 8), torch.nn.Linear(8, 4)

    def forward(self, x):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = self.b(torch.relu(self.a(x)))
        return y.float().square().mean()


class Outer(Inner):
    def forward(self, x):
        return self.b(torch.relu(self.a(x))).float().square().mean()


out = sys.argv[1]
x = torch.randn(2, 8)
torch.export.save(torch.export.export(Inner(), (x,)), os.path.join(out, "region.pt2"))
with torch.autocast("cpu", dtype=torch.bfloat16):
    torch.export.save(torch.export.export(Outer(), (x,)), os.path.join(out, "outer.pt2"))
    export.export_program(Outer(), (x,), os.path.join(out, "refused.pt2"), False)
