#!/usr/bin/env python3
"""How much of an evaluation sample's features persists from one checkpoint to the next in a
real training run, beyond its class: the measurement behind bench/speed.ts's PERSISTENCE.

A two-modality model on Fashion-MNIST (left and right half of each image, one encoder each,
64-dim features, late fusion) is trained with Adam; at every checkpoint both encoders'
features of 5,000 fixed test images are kept. For each pair of checkpoints it prints the
variance-weighted mean over feature dims of the correlation, across samples, of each sample's
residual from its class mean (the within-class noise the speed bench redraws or keeps), and
writes every statistic to --out (JSON: also medians, least-squares R^2 with a rotating basis,
post-ReLU features, gaps of 2 and 4 checkpoints).

Needs Debian's python3-torch, python3-numpy and dataset-fashion-mnist; 2 threads.
Usage: /usr/bin/python3 bench/feature-drift.py [--arch mlp|cnn] [--ckpt_per_epoch 1] [--epochs 12]
       [--ntrain 60000] [--seed 0] [--out drift.json]      (~10 min at the defaults here)
2026-11-30, defaults: 0.92-0.96 between consecutive epochs from epoch 1 on, 0.15 from the
initial weights to epoch 1 (both modalities, pre-activation features); --arch cnn --ntrain
20000: 0.94-0.99.
"""
import argparse, gzip, json, time, os
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
D = '/usr/share/datasets/fashion-mnist/'


def load_idx(name):
    with gzip.open(D + name, 'rb') as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], 'big')
    nd = magic & 0xff
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


class MLPEnc(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(28 * 14, 256)
        self.l2 = nn.Linear(256, 64)

    def forward(self, x):
        pre = self.l2(F.relu(self.l1(x.flatten(1))))
        return pre, F.relu(pre)


class CNNEnc(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1)   # 28x14 -> pool 14x7
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)  # 14x7 -> pool 7x3
        self.fc = nn.Linear(32 * 7 * 3, 64)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.c1(x)), 2)
        h = F.max_pool2d(F.relu(self.c2(h)), 2)
        pre = self.fc(h.flatten(1))
        return pre, F.relu(pre)


class Net(nn.Module):
    def __init__(self, arch):
        super().__init__()
        E = MLPEnc if arch == 'mlp' else CNNEnc
        self.e1, self.e2 = E(), E()
        self.head = nn.Linear(128, 10)

    def forward(self, x):  # x: N,1,28,28
        l, r = x[..., :14], x[..., 14:]
        p1, a1 = self.e1(l)
        p2, a2 = self.e2(r)
        return self.head(torch.cat([a1, a2], 1)), (p1, a1, p2, a2)


@torch.no_grad()
def evaluate(net, X, bs=1000):
    net.eval()
    outs, feats = [], [[], [], [], []]
    for i in range(0, len(X), bs):
        o, fs = net(X[i:i + bs])
        outs.append(o)
        for k in range(4):
            feats[k].append(fs[k])
    net.train()
    return torch.cat(outs), [torch.cat(f).numpy().astype(np.float64) for f in feats]


def residuals(Fm, y):
    R = Fm.copy()
    for c in range(10):
        m = y == c
        R[m] -= R[m].mean(0)
    return R


def r2_lin(A, B, rng=None):
    """Least-squares B ~ [A,1]; in-sample R^2 (trace ratio) and 2-fold CV R^2."""
    n = len(A)
    A1 = np.hstack([A, np.ones((n, 1))])
    W, *_ = np.linalg.lstsq(A1, B, rcond=None)
    ss_res = ((B - A1 @ W) ** 2).sum()
    ss_tot = ((B - B.mean(0)) ** 2).sum()
    r2 = 1 - ss_res / ss_tot
    # 2-fold CV
    perm = np.random.RandomState(123).permutation(n)
    h = n // 2
    res = 0.0
    tot = 0.0
    for tr, te in [(perm[:h], perm[h:]), (perm[h:], perm[:h])]:
        W, *_ = np.linalg.lstsq(A1[tr], B[tr], rcond=None)
        res += ((B[te] - A1[te] @ W) ** 2).sum()
        tot += ((B[te] - B[tr].mean(0)) ** 2).sum()
    return float(r2), float(1 - res / tot)


def pair_stats(Ft, Fs, y):
    Rt, Rs = residuals(Ft, y), residuals(Fs, y)
    vt, vs = Rt.var(0), Rs.var(0)
    ok = (vt > 1e-12) & (vs > 1e-12)
    cov = ((Rt - Rt.mean(0)) * (Rs - Rs.mean(0))).mean(0)
    corr = np.full(Rt.shape[1], np.nan)
    corr[ok] = cov[ok] / np.sqrt(vt[ok] * vs[ok])
    wmean = float(np.sum(vs[ok] * corr[ok]) / np.sum(vs[ok]))
    med = float(np.median(corr[ok]))
    # basis-fixed aggregate: sum cov / sqrt(sum var_t * sum var_s)
    agg = float(cov.sum() / np.sqrt(vt.sum() * vs.sum()))
    r2w, r2w_cv = r2_lin(Rt, Rs)
    r2t, r2t_cv = r2_lin(Ft, Fs)
    # fraction of total feature variance that is within-class (at s)
    wfrac = float(vs.sum() / Fs.var(0).sum()) if Fs.var(0).sum() > 0 else float('nan')
    return dict(a_wmean=wmean, a_median=med, a_aggcorr=agg, n_dims=int(ok.sum()),
                b_R2=r2w, b_sqrtR2=float(np.sqrt(max(r2w, 0))), b_R2_cv=r2w_cv,
                b_sqrtR2_cv=float(np.sqrt(max(r2w_cv, 0))),
                c_R2=r2t, c_R2_cv=r2t_cv, within_frac_s=wfrac)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', default='mlp')
    ap.add_argument('--ckpt_per_epoch', type=int, default=1)
    ap.add_argument('--epochs', type=int, default=12)
    ap.add_argument('--ntrain', type=int, default=60000)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='drift.json')
    args = ap.parse_args()
    t0 = time.time()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    Xtr = load_idx('train-images-idx3-ubyte.gz').astype(np.float32) / 255.
    ytr = load_idx('train-labels-idx1-ubyte.gz').astype(np.int64)
    Xte = load_idx('t10k-images-idx3-ubyte.gz').astype(np.float32) / 255.
    yte = load_idx('t10k-labels-idx1-ubyte.gz').astype(np.int64)
    mu, sd = Xtr.mean(), Xtr.std()
    Xtr = (Xtr - mu) / sd
    Xte = (Xte - mu) / sd
    if args.ntrain < len(Xtr):
        idx = np.random.RandomState(1).permutation(len(Xtr))[:args.ntrain]
        Xtr, ytr = Xtr[idx], ytr[idx]
    Xtr = torch.from_numpy(Xtr[:, None])
    ytr = torch.from_numpy(ytr)
    Xte_t = torch.from_numpy(Xte[:, None])
    yte_t = torch.from_numpy(yte)
    ev = np.sort(np.random.RandomState(2).permutation(len(Xte))[:5000])
    Xev, yev = Xte_t[ev], yte[ev]

    net = Net(args.arch)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    n = len(Xtr)
    nb = (n + 127) // 128
    ck_at = set(int(round(nb * k / args.ckpt_per_epoch)) for k in range(1, args.ckpt_per_epoch + 1))

    ckpts = []  # list of (label, feats list, acc_full, acc_ev)

    def checkpoint(label):
        out, _ = evaluate(net, Xte_t)
        acc = float((out.argmax(1) == yte_t).float().mean())
        _, fs = evaluate(net, Xev)
        ckpts.append(dict(label=label, acc=acc, feats=fs))
        print(f'ckpt {label}: test acc {acc:.4f}  t={time.time()-t0:.1f}s', flush=True)

    checkpoint(0.0)
    gen = torch.Generator().manual_seed(args.seed + 10)
    for ep in range(args.epochs):
        perm = torch.randperm(n, generator=gen)
        for b in range(nb):
            bi = perm[b * 128:(b + 1) * 128]
            out, _ = net(Xtr[bi])
            loss = F.cross_entropy(out, ytr[bi])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if (b + 1) in ck_at:
                checkpoint(round(ep + (b + 1) / nb, 3))
    train_time = time.time() - t0

    names = ['m1_pre', 'm1_post', 'm2_pre', 'm2_post']
    gaps = [1, 2, 4] if args.ckpt_per_epoch == 1 else [1, 2, 4, 8]
    results = dict(args=vars(args), labels=[c['label'] for c in ckpts],
                   acc=[c['acc'] for c in ckpts], pairs={})
    for k, nm in enumerate(names):
        rows = []
        for g in gaps:
            for i in range(len(ckpts) - g):
                st = pair_stats(ckpts[i]['feats'][k], ckpts[i + g]['feats'][k], yev)
                st.update(t=ckpts[i]['label'], s=ckpts[i + g]['label'], gap=g,
                          acc_s=ckpts[i + g]['acc'])
                rows.append(st)
        results['pairs'][nm] = rows
    results['train_time_s'] = train_time
    results['total_time_s'] = time.time() - t0
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
    print(f'done train {train_time:.1f}s total {time.time()-t0:.1f}s', flush=True)
    print('within-class persistence, consecutive checkpoints (variance-weighted mean over dims):')
    for nm in ('m1_pre', 'm2_pre'):
        row = [f"{r['t']}->{r['s']} {r['a_wmean']:.3f}" for r in results['pairs'][nm] if r['gap'] == 1]
        print(f'  {nm}: ' + ', '.join(row))


if __name__ == '__main__':
    main()
