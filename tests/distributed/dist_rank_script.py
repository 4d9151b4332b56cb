"""A torchrun-style script for test_dist_launcher.py: it reads torchrun's environment, joins
the gloo process group through env://, all-reduces its rank and prints one JSON line."""

import json
import os
import sys

import torch
import torch.distributed as dist

dist.init_process_group(backend="gloo", init_method="env://")
t = torch.tensor([float(dist.get_rank())])
dist.all_reduce(t)
names = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR",
         "MASTER_PORT", "TORCHELASTIC_RUN_ID"]
line = (json.dumps({"env": {k: os.environ.get(k) for k in names}, "argv": sys.argv[1:],
                  "rank": dist.get_rank(), "size": dist.get_world_size(), "sum": t.item(),
                  "torch_is_numtorch": type(t).__module__.startswith("numtorch"),
                  "launched": dist.is_torchelastic_launched()}) + "\n")
sys.stdout.write(line)  # one write: mpiexec interleaves the ranks' writes, not their lines
sys.stdout.flush()
dist.destroy_process_group()
