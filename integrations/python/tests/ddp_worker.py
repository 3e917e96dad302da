"""One rank of the torch.distributed test: FeatureTap over this rank's shard, then write; twice.

    python ddp_worker.py RUN_DIR ROWS     (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT in the environment)

First evaluation (epoch 1): every rank gives its labels. Second (epoch 2): rank 1 forgets
them. Prints one JSON line per evaluation: {"rank", "epoch", "path"} or {..., "error"}.
"""

import json
import os
import sys

import torch
import torch.distributed as dist

from lsmi_lens import FeatureTap
from models import TwoEncoders, loader


def main():
    run_dir, rows = sys.argv[1], int(sys.argv[2])
    dist.init_process_group("gloo", rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"]))
    rank = dist.get_rank()
    model = TwoEncoders(seed=0)  # the same weights on every rank, as DDP keeps them
    with FeatureTap(model, {"audio": model.audio, "visual": model.visual}, logits=model.head) as tap:
        for epoch in (1, 2):
            out = {"rank": rank, "epoch": epoch}
            model.eval()
            with torch.no_grad():
                for xa, xv, y in loader(n=rows, batch_size=4, seed=10 + rank):  # this rank's shard
                    model(xa, xv)
                    if not (epoch == 2 and rank == 1):
                        tap.labels(y)
            try:
                out["path"] = tap.write(run_dir, epoch=epoch, class_names=["a", "b", "c"])
            except ValueError as e:
                out["error"] = str(e)
            print(json.dumps(out), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
