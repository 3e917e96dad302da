"""FeatureTap: collect each modality's features (and the fused logits) with forward hooks during
an evaluation pass, then write one LSMI Lens dump per checkpoint. Needs PyTorch.

    from lsmi_lens import FeatureTap

    with FeatureTap(model, modalities={"audio": model.audio_encoder, "visual": model.visual_encoder},
                    logits=model.head) as tap:
        for epoch in range(1, epochs + 1):
            train_one_epoch(model)
            model.eval()
            with torch.no_grad():
                for xa, xv, y in val_loader:
                    model(xa, xv)
                    tap.labels(y)
            tap.write("runs/late-fusion", epoch=epoch, class_names=classes)

Each hooked module's output is detached, flattened to [batch, features], copied to the CPU
and appended, batch by batch; `write` concatenates the batches, checks that every modality,
the logits and the labels have the same number of rows, writes the dump and clears them.

Only modules in eval mode are collected (`eval_only=True`): forward passes of training steps
are not. A hook fires once per call of its module: a module that runs more than once per
forward (shared weights, test-time augmentation) appends one block of rows per call, and the
row counts stop matching the labels; hook a module that runs once per forward instead.
nn.DataParallel runs the model's replicas in threads, in no fixed order: use
DistributedDataParallel, for which `write` gathers every rank's rows to rank 0.
"""

import numpy as np
import torch
import torch.distributed

from .dump import _LOGITS, _host
from .run import dump_name, write_checkpoint

__all__ = ["FeatureTap"]


def _supports_kwargs_pre_hooks():
    import inspect

    try:
        return "with_kwargs" in inspect.signature(torch.nn.Module.register_forward_pre_hook).parameters
    except (TypeError, ValueError):
        return False


def _module(model, spec, what):
    """A module given as itself, or as the name of a submodule of `model` ("encoder.audio")."""
    if isinstance(spec, torch.nn.Module):
        return spec
    if isinstance(spec, str):
        if model is None:
            raise TypeError(f"{what}: a submodule name ('{spec}') needs the model: FeatureTap(model, ...)")
        for root in (model, getattr(model, "module", None)):  # a DDP / DataParallel wrapper's module too
            if isinstance(root, torch.nn.Module):
                try:
                    return root.get_submodule(spec)
                except AttributeError:
                    pass
        raise ValueError(f"{what}: the model has no submodule '{spec}'")
    raise TypeError(f"{what}: expected a torch.nn.Module or the name of a submodule, got {type(spec).__name__}")


def _first_tensor(output, prefer):
    """The tensor in a module's output: itself, the first of a tuple or list, or of a dict
    (a Hugging Face ModelOutput is one) the entry named in `prefer`, else its first tensor."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, dict):
        for key in prefer:
            if isinstance(output.get(key), torch.Tensor):
                return output[key]
        values = list(output.values())
    elif isinstance(output, (tuple, list)):
        values = list(output)
    else:
        return output
    for v in values:
        if isinstance(v, torch.Tensor) and v.dim() > 0:
            return v
    return output


def _host_rows(what, value):
    """Labels or ids of one batch as a 1-D numpy array (a copy, on the host)."""
    a = _host(what, value)
    arr = np.array(a.as_float() if a.code == "BF16" else a.data, copy=True)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{what}: expected one value per sample ([batch]), got shape {list(arr.shape)}")
    return arr


class FeatureTap:
    """Forward hooks that collect, per evaluation batch, each modality module's output and
    (optionally) the fused head's logits; `write` turns them into one dump.

    model: the model (needed for submodule names and `labels_from`; may be None otherwise).
    modalities: {name: module or submodule name}, at least two, in order: x1, x2, ...; the
        names become the dump's and run.json's modalityNames.
    logits: the fused head (its output is stored as logits12), or {"logits1": m1,
        "logits2": m2, "logits12": m12}.
    labels_from: the keyword argument of model.forward that holds the labels ("labels" for
        Hugging Face models): a forward pre-hook collects it (PyTorch 2.0 or newer);
        otherwise call `tap.labels(y)` once per batch.
    eval_only: collect only while the hooked modules are in eval mode (default True).
    transform: optional `transform(name, output) -> tensor`, applied to a hooked module's
        output before it is flattened (e.g. mean-pool token features: the number of columns
        must be the same in every batch).
    """

    def __init__(self, model=None, modalities=None, logits=None, *, labels_from=None, eval_only=True, transform=None):
        if model is not None and not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        modalities = dict(modalities or {})
        if len(modalities) < 2:
            raise ValueError(f"FeatureTap needs at least two modalities, got {len(modalities)}")
        if logits is not None and not isinstance(logits, dict):
            logits = {"logits12": logits}
        for key in logits or {}:
            if key not in _LOGITS:
                raise ValueError(f"logits: unknown key '{key}' (use {', '.join(_LOGITS)})")
        self.model = model
        self.modality_names = [str(n) for n in modalities]
        self.logit_keys = list(logits or {})
        self.eval_only = eval_only
        self.transform = transform
        self.labels_from = labels_from
        # slot -> (label in messages, module)
        self._slots = {}
        for n, m in modalities.items():
            self._slots[("x", str(n))] = (f"modality '{n}'", _module(model, m, f"modality '{n}'"))
        for key, m in (logits or {}).items():
            self._slots[("logits", key)] = (key, _module(model, m, key))
        if labels_from is not None and model is None:
            raise TypeError("labels_from needs the model: FeatureTap(model, ..., labels_from='labels')")
        if labels_from is not None and not _supports_kwargs_pre_hooks():
            raise RuntimeError(
                f"labels_from needs PyTorch 2.0 or newer (forward pre-hooks with keyword arguments); "
                f"this is {torch.__version__}: call tap.labels(y) once per batch instead"
            )
        self._handles = []
        self.clear()
        for slot, (label, module) in self._slots.items():
            self._handles.append(module.register_forward_hook(self._hook(slot, label)))
        if labels_from is not None:
            self._handles.append(model.register_forward_pre_hook(self._labels_hook, with_kwargs=True))

    # -- collecting ---------------------------------------------------------------------------

    def _collecting(self, module):
        return self._handles is not None and not (self.eval_only and module.training)

    def _hook(self, slot, label):
        prefer = ("logits",) if slot[0] == "logits" else ("pooler_output", "last_hidden_state")

        def hook(module, inputs, output):
            if not self._collecting(module):
                return None
            if self.transform is not None:
                output = self.transform(slot[1], output)
            t = _first_tensor(output, prefer)
            if not isinstance(t, torch.Tensor):
                raise TypeError(
                    f"FeatureTap: {label}: the hooked module returned {type(t).__name__}, not a tensor; "
                    f"hook a module that returns one, or pass transform= to pick it"
                )
            t = t.detach()
            if t.dim() == 0:
                raise ValueError(f"FeatureTap: {label}: the hooked module returned a scalar, not one row per sample")
            if t.dim() != 2:
                t = t.reshape(t.shape[0], -1)
            self._batches[slot].append(t.to("cpu", copy=True))
            return None

        return hook

    def _labels_hook(self, module, args, kwargs):
        if self._collecting(module) and kwargs.get(self.labels_from) is not None:
            self.labels(kwargs[self.labels_from])
        return None

    def labels(self, y):
        """Add one batch's labels (tensor on any device, numpy array or list), in the order the
        batch went through the model."""
        self._labels.append(_host_rows("labels", y))

    def ids(self, ids):
        """Add one batch's sample ids (optional; what the run's sample manifest refers to)."""
        self._ids.append(_host_rows("ids", ids))

    def clear(self):
        """Forget everything collected since the last write (e.g. a sanity-check pass)."""
        self._batches = {slot: [] for slot in self._slots}
        self._labels = []
        self._ids = []

    def counts(self):
        """Rows collected so far: {modality name, logits key, 'labels', 'ids': rows}."""
        out = {slot[1]: sum(int(t.shape[0]) for t in b) for slot, b in self._batches.items()}
        out["labels"] = sum(len(a) for a in self._labels)
        out["ids"] = sum(len(a) for a in self._ids)
        return out

    # -- writing ------------------------------------------------------------------------------

    def _collected(self):
        """This process's rows, checked: {'x': {name: tensor}, 'logits': {...}, 'y': array,
        'ids': array or None}, or None when nothing at all was collected."""
        batches = {slot: list(b) for slot, b in self._batches.items()}
        labels, ids = list(self._labels), list(self._ids)
        if not labels and not ids and not any(batches.values()):
            return None
        rows = {}
        for slot, (label, _) in self._slots.items():
            rows[label] = (sum(int(t.shape[0]) for t in batches[slot]), len(batches[slot]))
        rows["labels"] = (sum(len(a) for a in labels), len(labels))
        if ids:
            rows["ids"] = (sum(len(a) for a in ids), len(ids))
        listed = ", ".join(f"{label} {r} rows ({b} batches)" for label, (r, b) in rows.items())
        silent = [label for label, (_, b) in rows.items() if b == 0 and label != "labels"]
        if silent:
            raise ValueError(
                f"FeatureTap: nothing collected for {', '.join(silent)} ({listed}): did its hook fire? "
                f"The module must run in the model's forward, in eval mode "
                f"(model.eval(); eval_only=False collects in train mode too)"
            )
        if not labels:
            how = "call tap.labels(y) per batch"
            if self.labels_from:
                how = f"the model got no '{self.labels_from}' argument"
            raise ValueError(f"FeatureTap: no labels ({listed}): {how}")
        if len({r for r, _ in rows.values()}) != 1:
            raise ValueError(
                f"FeatureTap: row counts differ ({listed}): every modality, the logits and the labels need one "
                f"row per sample; a module that runs more than once per forward appends once per call"
            )
        out = {"x": {}, "logits": {}, "y": np.concatenate(labels), "ids": np.concatenate(ids) if ids else None}
        for slot, (label, _) in self._slots.items():
            out[slot[0]][slot[1]] = _cat(label, batches[slot])
        return out

    def write(self, run_dir, epoch=None, step=None, class_names=None, dtype=None, name=None):
        """Write what was collected as `run_dir/epoch-NNNN.safetensors` (or `step-NNNNNNN` when
        only `step` is given, or `name`), update run_dir/run.json (modalityNames, and
        classNames when given; other keys kept), clear the collected batches and return the
        dump's path.

        Under torch.distributed (initialized, more than one process) every rank must call it:
        the rows of all ranks are gathered (rank by rank) to rank 0, which alone writes and
        returns the path; the other ranks return None.
        """
        if name is None:
            dump_name(epoch, step)  # a bad epoch or step fails before anything is gathered
        try:
            local, error = self._collected(), None
        except ValueError as e:
            local, error = None, str(e)
        self.clear()
        dist = torch.distributed if torch.distributed.is_available() else None
        if dist is not None and dist.is_initialized() and dist.get_world_size() > 1:
            parts = [None] * dist.get_world_size()
            dist.all_gather_object(parts, {"error": error, "data": local})
            errors = [f"rank {r}: {p['error']}" for r, p in enumerate(parts) if p["error"]]
            if errors:
                raise ValueError("; ".join(errors))
            if dist.get_rank() != 0:
                return None
            local = _merge([p["data"] for p in parts if p["data"] is not None])
        elif error:
            raise ValueError(error)
        if local is None:
            raise ValueError(
                "FeatureTap: nothing collected: run the model over the evaluation set (in eval mode) between "
                "creating (or clearing) the tap and write()"
            )
        return write_checkpoint(
            run_dir,
            {n: local["x"][n] for n in self.modality_names},
            local["y"],
            epoch=epoch,
            step=step,
            class_names=class_names,
            logits=local["logits"] or None,
            ids=local["ids"],
            dtype=dtype,
            name=name,
        )

    # -- lifetime -----------------------------------------------------------------------------

    def close(self):
        """Remove the hooks (what leaving a `with` block does); collected rows are kept."""
        for h in self._handles or []:
            h.remove()
        self._handles = None

    @property
    def closed(self):
        return self._handles is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return f"FeatureTap({', '.join(self.modality_names)}; logits: {', '.join(self.logit_keys) or 'none'}; {state})"


def _cat(label, tensors):
    try:
        return torch.cat(tensors)
    except RuntimeError:
        widths = sorted({tuple(t.shape[1:]) for t in tensors})
        raise ValueError(
            f"FeatureTap: {label}: batches have different feature sizes {widths}; pool or pad the module's "
            f"output to a fixed size (transform=)"
        ) from None


def _merge(parts):
    """The rows of every rank, rank by rank."""
    if not parts:
        return None
    if len({p["ids"] is None for p in parts}) > 1:
        raise ValueError("FeatureTap: some ranks collected ids and others did not")
    return {
        "x": {n: _cat(f"modality '{n}'", [p["x"][n] for p in parts]) for n in parts[0]["x"]},
        "logits": {k: _cat(k, [p["logits"][k] for p in parts]) for k in parts[0]["logits"]},
        "y": np.concatenate([p["y"] for p in parts]),
        "ids": None if parts[0]["ids"] is None else np.concatenate([p["ids"] for p in parts]),
    }
