"""FeatureTap.write under torch.distributed: two processes (gloo, CPU), rank 0 writes one dump."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from helpers import needs_torch, read_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = [13, 9]  # unequal shards


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_torch
class DistributedTest(unittest.TestCase):
    """Both ranks run both evaluations in one pair of processes (importing torch is the slow part)."""

    @classmethod
    def setUpClass(cls):
        import lsmi_lens

        cls.dir = tempfile.mkdtemp(prefix="lsmi-ddp-")
        cls.run_dir = os.path.join(cls.dir, "run")
        port = free_port()
        # The ranks import the same lsmi_lens as this test (installed, or the source tree).
        pythonpath = os.pathsep.join([os.path.dirname(os.path.dirname(lsmi_lens.__file__)), HERE])
        procs = []
        for rank, n in enumerate(ROWS):
            env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(len(ROWS)), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=str(port), PYTHONPATH=pythonpath, OMP_NUM_THREADS="1")
            procs.append(subprocess.Popen([sys.executable, os.path.join(HERE, "ddp_worker.py"), cls.run_dir, str(n)],
                                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        cls.results = {}
        try:
            for p in procs:
                out, err = p.communicate(timeout=120)
                if p.returncode != 0:
                    raise AssertionError(f"a rank exited with {p.returncode}:\n{err}")
                for line in out.strip().splitlines():
                    r = json.loads(line)
                    cls.results[(r["epoch"], r["rank"])] = r
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def test_rank_0_writes_every_ranks_rows(self):
        r0, r1 = self.results[(1, 0)], self.results[(1, 1)]
        self.assertNotIn("error", r0)
        self.assertEqual(r1, {"rank": 1, "epoch": 1, "path": None}, "other ranks return None")
        self.assertEqual(sorted(os.listdir(self.run_dir)), ["epoch-0001.safetensors", "run.json"],
                         "exactly one dump, no temporary file left")
        t, meta = read_safetensors(r0["path"])
        self.assertEqual(t["x1"][1].shape, (22, 8))
        self.assertEqual(t["logits12"][1].shape, (22, 3))
        from models import loader

        want = [loader(n, 4, 10 + rank).dataset.tensors[2].numpy() for rank, n in enumerate(ROWS)]
        np.testing.assert_array_equal(t["y"][1], np.concatenate(want), "rank 0's rows, then rank 1's")
        self.assertEqual(meta["modalityNames"], ["audio", "visual"])

    def test_an_error_on_one_rank_is_raised_on_every_rank(self):
        for rank in (0, 1):
            self.assertIn("rank 1: FeatureTap: no labels", self.results[(2, rank)].get("error", ""))
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "epoch-0002.safetensors")))
