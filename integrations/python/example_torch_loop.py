"""A small PyTorch training loop with FeatureTap: one LSMI Lens dump per epoch (needs torch).

    python3 integrations/python/example_torch_loop.py runs/torch-late-fusion --epochs 3
    npx lsmi watch runs --once

Two encoders (audio, visual), concatenated, and a linear head, trained on a synthetic task
whose label needs both modalities (y = a XOR b, audio sees a, visual sees b). After each
epoch's training, an evaluation pass with the tap attached collects the encoders' outputs
and the head's logits; `tap.write` writes runs/.../epoch-NNNN.safetensors and run.json.
Runs from the repository (lsmi_lens is the folder beside it) or with the package installed.
"""

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lsmi_lens import FeatureTap


class LateFusion(nn.Module):
    def __init__(self, da=4, dv=4, hidden=16, classes=2):
        super().__init__()
        self.audio = nn.Sequential(nn.Linear(da, hidden), nn.ReLU())
        self.visual = nn.Sequential(nn.Linear(dv, hidden), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, xa, xv):
        return self.head(torch.cat([self.audio(xa), self.visual(xv)], dim=1))


def synthetic(n, seed):
    g = torch.Generator().manual_seed(seed)
    a, b = torch.randint(0, 2, (n,), generator=g), torch.randint(0, 2, (n,), generator=g)
    xa = a[:, None].float() + 0.3 * torch.randn(n, 4, generator=g)
    xv = b[:, None].float() + 0.3 * torch.randn(n, 4, generator=g)
    return TensorDataset(xa, xv, a ^ b)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=400, help="evaluation samples")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = LateFusion()
    train = DataLoader(synthetic(512, seed=1), batch_size=32, shuffle=True)
    val = DataLoader(synthetic(args.n, seed=2), batch_size=64)  # not shuffled: rows stay in order
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)

    with FeatureTap(model, modalities={"audio": model.audio, "visual": model.visual}, logits=model.head) as tap:
        for epoch in range(1, args.epochs + 1):
            model.train()  # the tap collects nothing in train mode
            for xa, xv, y in train:
                opt.zero_grad()
                nn.functional.cross_entropy(model(xa, xv), y).backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                for xa, xv, y in val:
                    model(xa, xv)
                    tap.labels(y)
            print("wrote", tap.write(args.run_dir, epoch=epoch, class_names=["same", "different"]), flush=True)


if __name__ == "__main__":
    main()
