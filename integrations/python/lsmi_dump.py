"""Write LSMI Lens dumps from a Python training loop. Needs only numpy.

    from lsmi_dump import write_dump
    write_dump("runs/late-fusion/epoch-0003.safetensors",
               x1=audio_features, x2=visual_features, y=labels,
               logits12=fused_logits, epoch=3,
               modality_names=["audio", "visual"], class_names=classes)

The file is written under a temporary name and renamed into place, so a watcher never sees
half a dump. float16 keeps dumps small (`dtype="float16"`); bfloat16 needs `ml_dtypes`
only if you pass bfloat16 arrays, which are stored bit-exactly as BF16.
"""
import json
import os
import struct

import numpy as np

_DTYPES = {
    np.dtype("float64"): "F64", np.dtype("float32"): "F32", np.dtype("float16"): "F16",
    np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("int16"): "I16", np.dtype("int8"): "I8",
    np.dtype("uint8"): "U8", np.dtype("bool"): "BOOL",
}


def _as_array(name, value, dtype=None):
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if dtype is not None and arr.dtype.kind == "f":
        arr = arr.astype(dtype)
    if arr.dtype.name == "bfloat16":
        return "BF16", np.ascontiguousarray(arr).view(np.uint16).astype("<u2")
    code = _DTYPES.get(arr.dtype)
    if code is None:
        raise TypeError(f"{name}: dtype {arr.dtype} cannot be stored (use float, int or bool)")
    return code, np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False)


def write_dump(path, x1, x2, y, dtype=None, epoch=None, step=None, modality_names=None,
               class_names=None, **optional):
    """Write one checkpoint's dump as .safetensors. `optional` may hold logits1, logits2,
    logits12, split (1 = train, 0 = evaluate), ids, x3, x4, ..."""
    tensors = {"x1": _as_array("x1", x1, dtype), "x2": _as_array("x2", x2, dtype), "y": _as_array("y", np.asarray(y).astype(np.int64))}
    for name, value in optional.items():
        if value is not None:
            tensors[name] = _as_array(name, value, dtype if name.startswith("x") or name.startswith("logits") else None)
    meta = {}
    if epoch is not None:
        meta["epoch"] = json.dumps(int(epoch))
    if step is not None:
        meta["step"] = json.dumps(int(step))
    if modality_names is not None:
        meta["modalityNames"] = json.dumps(list(modality_names))
    if class_names is not None:
        meta["classNames"] = json.dumps([str(c) for c in class_names])
    header = {"__metadata__": meta} if meta else {}
    offset = 0
    for name, (code, arr) in tensors.items():
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    head = json.dumps(header).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for _, arr in tensors.values():
            f.write(arr.tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path
