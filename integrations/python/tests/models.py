"""A small real two-encoder PyTorch model and a synthetic evaluation set, shared by the tests."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

DA, DV, H, K = 6, 5, 8, 3


class TwoEncoders(nn.Module):
    """Two Linear+ReLU encoders, concatenated, and a Linear head (late fusion)."""

    def __init__(self, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.audio = nn.Sequential(nn.Linear(DA, H), nn.ReLU())
        self.visual = nn.Sequential(nn.Linear(DV, H), nn.ReLU())
        self.head = nn.Linear(2 * H, K)

    def forward(self, xa, xv, labels=None):
        return self.head(torch.cat([self.audio(xa), self.visual(xv)], dim=1))


def dataset(n=50, seed=1):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, K, (n,), generator=g)
    xa = torch.randn(n, DA, generator=g) + y[:, None].float()
    xv = torch.randn(n, DV, generator=g) - y[:, None].float()
    return TensorDataset(xa, xv, y)


def loader(n=50, batch_size=16, seed=1):
    return DataLoader(dataset(n, seed), batch_size=batch_size, shuffle=False)


def train_steps(model, steps=3, seed=2):
    """A few real SGD steps in train mode (what the tap must not collect)."""
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for xa, xv, y in loader(32, 8, seed):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xa, xv), y).backward()
        opt.step()
        steps -= 1
        if steps == 0:
            break
