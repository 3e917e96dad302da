"""A toy training loop that writes one LSMI Lens dump per epoch (numpy only).

    python3 integrations/python/example_loop.py runs/demo-python
    npx lsmi watch runs --once

Runs as it is from the repository (lsmi_lens is the folder beside it) or with the package
installed (pip install ./integrations/python).
"""
import sys

import numpy as np

from lsmi_lens import write_dump

out = sys.argv[1] if len(sys.argv) > 1 else "runs/demo-python"
rng = np.random.default_rng(0)
n = 1000
a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
y = a | b
for epoch in range(1, 4):
    # Features get cleaner as "training" goes on.
    noise = 0.5 / epoch
    x1 = (a[:, None] + noise * rng.standard_normal((n, 4))).astype(np.float32)
    x2 = (b[:, None] + noise * rng.standard_normal((n, 4))).astype(np.float32)
    path = write_dump(f"{out}/epoch-{epoch:04d}.safetensors", x1, x2, y, epoch=epoch,
                      modality_names=["audio", "visual"], class_names=["off", "on"])
    print("wrote", path)
