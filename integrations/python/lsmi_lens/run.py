"""A run folder: one dump per checkpoint, named by its epoch or step, and run.json beside them.

    from lsmi_lens import write_checkpoint
    write_checkpoint("runs/late-fusion", {"audio": feats_a, "visual": feats_v}, labels,
                     epoch=3, class_names=["cat", "dog"], logits=fused_logits)

writes runs/late-fusion/epoch-0003.safetensors (modality names = the dict's keys, in order)
and keeps runs/late-fusion/run.json's modalityNames and classNames up to date. Needs only numpy.
"""

import json
import math
import os

from .dump import _LOGITS, atomic_write, encode_dump

__all__ = ["dump_name", "update_run_json", "write_checkpoint"]


def _whole(v):
    return v is not None and not isinstance(v, bool) and math.isfinite(float(v)) and float(v).is_integer()


def dump_name(epoch=None, step=None):
    """`epoch-0003.safetensors` (4-digit epoch) when the epoch is a whole number, else
    `step-0001200.safetensors` (7-digit step)."""
    for key, v in (("epoch", epoch), ("step", step)):
        if v is not None and _whole(v) and int(v) < 0:
            raise ValueError(f"{key} must not be negative, got {v}")
    if _whole(epoch):
        return f"epoch-{int(epoch):04d}.safetensors"
    if _whole(step):
        return f"step-{int(step):07d}.safetensors"
    if epoch is not None:
        raise ValueError(f"epoch {epoch!r} is not a whole number: give step= too to name the dump by its step")
    raise ValueError("give epoch= or step= to name the dump")


def update_run_json(run_dir, modality_names=None, class_names=None):
    """Set modalityNames and classNames (those given) in run_dir/run.json, keeping every other
    key; written atomically, and only when something changed. Returns the file's path."""
    path = os.path.join(os.fspath(run_dir), "run.json")
    config = {}
    if os.path.exists(path):
        with open(path, "rb") as f:
            text = f.read()
        try:
            config = json.loads(text.decode("utf-8")) if text.strip() else {}
        except (UnicodeDecodeError, ValueError) as e:
            raise ValueError(f"{path}: not valid JSON ({e}); fix or remove it") from None
        if not isinstance(config, dict):
            raise ValueError(f"{path}: not a JSON object; fix or remove it")
    updated = dict(config)
    if modality_names is not None:
        updated["modalityNames"] = [str(n) for n in modality_names]
    if class_names is not None:
        updated["classNames"] = [str(n) for n in class_names]
    if updated != config or not os.path.exists(path):
        atomic_write(path, [(json.dumps(updated, indent=2, ensure_ascii=False) + "\n").encode("utf-8")])
    return path


def _rows(value):
    """Features as [N, D]: one value per sample is [N, 1], more than two axes are flattened per sample."""
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) == 1:
        return value.reshape(shape[0], 1)
    if shape is not None and len(shape) > 2:
        return value.reshape(shape[0], -1)
    return value


def write_checkpoint(
    run_dir,
    features,
    y,
    epoch=None,
    step=None,
    class_names=None,
    logits=None,
    ids=None,
    split=None,
    dtype=None,
    name=None,
):
    """Write one checkpoint's dump into the run folder and keep run.json up to date.

    features: {modality name: [N, ...] features}, at least two, in order (x1, x2, ...);
    y: [N] labels; logits: the fused head's [N, K] logits (stored as logits12) or a dict of
    logits1 / logits2 / logits12. The file is `name`, else `dump_name(epoch, step)`.
    Returns the dump's path.
    """
    features = dict(features)
    if len(features) < 2:
        raise ValueError(f"need at least two modalities, got {len(features)} ({', '.join(features) or 'none'})")
    if logits is not None and not isinstance(logits, dict):
        logits = {"logits12": logits}
    for key in logits or {}:
        if key not in _LOGITS:
            raise ValueError(f"logits: unknown key '{key}' (use {', '.join(_LOGITS)})")
    file = name if name is not None else dump_name(epoch, step)
    if os.path.basename(file) != file or not file.endswith(".safetensors"):
        raise ValueError(f"name must be a file name ending in .safetensors, got {file!r}")
    names = list(features)
    tensors = {f"x{i + 1}": _rows(features[n]) for i, n in enumerate(names)}
    optional = {k: v for k, v in tensors.items() if k not in ("x1", "x2")}
    optional.update(logits or {})
    if ids is not None:
        optional["ids"] = ids
    if split is not None:
        optional["split"] = split
    path = os.path.join(os.fspath(run_dir), file)
    chunks = encode_dump(
        path,
        tensors["x1"],
        tensors["x2"],
        y,
        dtype=dtype,
        epoch=epoch,
        step=step,
        modality_names=names,
        class_names=class_names,
        **optional,
    )
    # Checked and encoded: now run.json, then the dump (a watcher that sees the dump sees its names).
    os.makedirs(os.fspath(run_dir), exist_ok=True)
    update_run_json(run_dir, modality_names=names, class_names=class_names)
    return atomic_write(path, chunks)
