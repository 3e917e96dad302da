"""Write one LSMI Lens dump (a .safetensors file) per checkpoint. Needs only numpy.

    from lsmi_lens import write_dump
    write_dump("runs/late-fusion/epoch-0003.safetensors",
               x1=audio_features, x2=visual_features, y=labels,
               logits12=fused_logits, epoch=3,
               modality_names=["audio", "visual"], class_names=classes)

Takes numpy arrays, lists and PyTorch tensors as training loops hand them over: on any
device (copied to the CPU), requiring grad (detached), non-contiguous (transposed, sliced),
in bfloat16, float16, float32 or float64. bfloat16 (torch's, or ml_dtypes' in numpy) is
stored bit-exactly as BF16; `dtype="float16"` (or "bfloat16", "float32", "float64") converts
features and logits to keep dumps small. Labels may be any integer type (uint64 included) as
long as they are class indices 0..K-1.

The file is written under a temporary name in the same folder (starting with "." and
containing ".tmp", which watchers ignore), flushed to disk and renamed into place, so a
watcher never sees half a dump.

This module imports nothing outside numpy and the standard library: it can be copied on its
own next to a training script.
"""

import json
import math
import os
import re
import struct
import warnings

import numpy as np

__all__ = ["write_dump", "encode_dump", "atomic_write"]

# numpy dtype -> safetensors dtype code (what src/io/safetensors.ts reads).
_CODES = {
    np.dtype("float64"): "F64",
    np.dtype("float32"): "F32",
    np.dtype("float16"): "F16",
    np.dtype("int64"): "I64",
    np.dtype("int32"): "I32",
    np.dtype("int16"): "I16",
    np.dtype("int8"): "I8",
    np.dtype("uint64"): "U64",
    np.dtype("uint32"): "U32",
    np.dtype("uint16"): "U16",
    np.dtype("uint8"): "U8",
    np.dtype("bool"): "BOOL",
}
_FLOAT_TARGETS = ("float16", "float32", "float64", "bfloat16")
_LOGITS = ("logits1", "logits2", "logits12")
_INT64_MAX = np.iinfo(np.int64).max


class _Array:
    """A host array and its safetensors code; BF16 data is held as its uint16 bit patterns."""

    __slots__ = ("code", "data")

    def __init__(self, code, data):
        self.code = code
        self.data = data

    @property
    def shape(self):
        return self.data.shape

    def as_float(self):
        """The values as a numpy float array (BF16 widened to float32, exactly)."""
        if self.code == "BF16":
            return (self.data.astype(np.uint32) << 16).view(np.float32)
        return self.data


def _bf16_bits(values):
    """float values -> bfloat16 bit patterns, rounded to nearest even (NaN stays NaN)."""
    f = np.ascontiguousarray(values, dtype=np.float32)
    u = f.view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(f)
    if nan.any():
        rounded[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)  # keep the sign, force a quiet NaN
    return rounded


def _is_torch_tensor(value):
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def _from_torch(name, tensor):
    import torch  # only reached with a torch tensor in hand

    t = tensor.detach().to("cpu")
    if t.layout != torch.strided:
        t = t.to_dense()
    if t.dtype == torch.bfloat16:
        return _Array("BF16", t.contiguous().view(torch.int16).numpy().view(np.uint16).copy())
    if t.is_complex():
        raise TypeError(f"{name}: complex tensors cannot be stored (dtype {t.dtype})")
    for resolve in ("resolve_conj", "resolve_neg"):
        if hasattr(t, resolve):
            t = getattr(t, resolve)()
    try:
        arr = t.numpy()
    except (TypeError, RuntimeError) as e:
        raise TypeError(f"{name}: torch dtype {t.dtype} cannot be stored ({e})") from None
    return _from_numpy(name, arr)


def _from_numpy(name, arr):
    if arr.dtype.name == "bfloat16":  # ml_dtypes / jax bfloat16
        return _Array("BF16", np.ascontiguousarray(arr).view(np.uint16))
    native = arr.dtype.newbyteorder("=") if arr.dtype.byteorder not in ("=", "|") else arr.dtype
    if native not in _CODES:
        raise TypeError(f"{name}: dtype {arr.dtype} cannot be stored (use float, int or bool)")
    return _Array(_CODES[native], arr)


def _host(name, value):
    """Any array-like (numpy, list, torch tensor on any device) as an _Array on the host."""
    if _is_torch_tensor(value):
        return _from_torch(name, value)
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # tf / jax arrays
        try:
            value = value.numpy()
        except Exception:  # noqa: BLE001 - fall back to np.asarray
            pass
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"{name}: could not make a numeric array of {type(value).__name__}")
    return _from_numpy(name, arr)


def _target(dtype):
    """The float type `dtype` names ("float16", np.float16, torch.float16, ...), or None."""
    if dtype is None:
        return None
    text = str(dtype).replace("torch.", "")
    if text not in _FLOAT_TARGETS:
        try:
            text = str(np.dtype(dtype))
        except TypeError:
            pass
    if text not in _FLOAT_TARGETS:
        raise ValueError(f"dtype must be one of {', '.join(_FLOAT_TARGETS)}; got {dtype!r}")
    return text


def _cast(name, a, dtype):
    """Features and logits: convert to the requested float type (ints are kept as floats too)."""
    if a.code == "BOOL":
        a = _Array("U8", a.data.astype(np.uint8))
    target = _target(dtype)
    if target is None:
        return a
    if target == "bfloat16":
        return a if a.code == "BF16" else _Array("BF16", _bf16_bits(a.as_float()))
    return _from_numpy(name, np.asarray(a.as_float()).astype(target))


def _labels(name, a):
    """Class indices: any integer (or integral float) type, 0..2^63-1, stored as I64."""
    arr = a.as_float() if a.code == "BF16" else a.data
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name}: labels must be 1-D [N] (or [N, 1]), got shape {list(arr.shape)}")
    kind = arr.dtype.kind
    if kind == "b":
        return _Array("I64", arr.astype("<i8"))
    if kind == "f":
        if arr.size and not (np.isfinite(arr).all() and (arr == np.floor(arr)).all()):
            raise ValueError(f"{name}: labels must be integer class indices 0..K-1; got non-integer values")
        if arr.size and (arr.min() < 0 or arr.max() >= 2.0**63):
            raise ValueError(f"{name}: labels must be class indices 0..K-1; got {arr.min():g}..{arr.max():g}")
        return _Array("I64", arr.astype("<i8"))
    if kind not in "iu":
        raise TypeError(f"{name}: labels must be integers, got dtype {arr.dtype}")
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if kind == "i" and lo < 0:
            raise ValueError(f"{name}: negative label {int(lo)}; labels are class indices 0..K-1")
        if kind == "u" and int(hi) > _INT64_MAX:
            raise ValueError(f"{name}: label {int(hi)} does not fit in int64; labels are class indices 0..K-1")
    return _Array("I64", arr.astype("<i8"))


def _number(key, v):
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
        raise ValueError(f"{key} must be a finite number, got {v!r}")
    return int(v) if float(v).is_integer() else float(v)


def _names(key, names, count=None):
    if names is None:
        return None
    if isinstance(names, (str, bytes)):
        raise TypeError(f"{key} must be a list of strings, not one string")
    out = [str(n) for n in names]
    if count is not None and len(out) != count:
        raise ValueError(f"{key} has {len(out)} names for {count} modalities")
    return out


def _modalities(names):
    """x1, x2, ... must be numbered without gaps (the readers stop at the first missing one)."""
    nums = sorted(int(n[1:]) for n in names if re.fullmatch(r"x[1-9][0-9]*", n))
    if nums != list(range(1, len(nums) + 1)):
        missing = next(i for i in range(1, len(nums) + 2) if i not in nums)
        raise ValueError(f"modalities must be numbered x1, x2, x3, ... without gaps; x{missing} is missing")
    return len(nums)


def atomic_write(path, chunks):
    """Write `chunks` (bytes-like) to `path` atomically: a temporary name in the same folder that
    watchers ignore (".<name>.tmp-<pid>-<random>"), flushed and fsynced, then renamed over `path`."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    base = os.path.basename(path)
    while True:
        tmp = os.path.join(folder, f".{base}.tmp-{os.getpid()}-{os.urandom(4).hex()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable (POSIX; not possible on Windows)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return path


def write_dump(
    path,
    x1,
    x2,
    y,
    dtype=None,
    epoch=None,
    step=None,
    modality_names=None,
    class_names=None,
    **optional,
):
    """Write one checkpoint's dump as .safetensors and return its path.

    x1, x2: [N, D1], [N, D2] features of the two modalities; y: [N] class labels 0..K-1.
    `optional` may hold logits1, logits2, logits12 ([N, K]), split ([N], 1 = train,
    0 = evaluate), ids ([N] sample ids) and further modalities x3, x4, ...
    `dtype` ("float16", "bfloat16", "float32", "float64") converts features and logits.
    epoch, step, modality_names and class_names go into the file's metadata.
    Raises ValueError (shapes, labels, names) or TypeError (dtypes) naming the tensor;
    nothing is written then.
    """
    chunks = encode_dump(
        path, x1, x2, y, dtype=dtype, epoch=epoch, step=step,
        modality_names=modality_names, class_names=class_names, **optional,
    )
    return atomic_write(path, chunks)


def encode_dump(
    path,
    x1,
    x2,
    y,
    dtype=None,
    epoch=None,
    step=None,
    modality_names=None,
    class_names=None,
    **optional,
):
    """write_dump's checks and encoding: the file's bytes as a list of chunks, nothing written."""
    path = os.fspath(path)
    _target(dtype)  # a bad dtype fails before anything is converted
    if not path.endswith(".safetensors"):
        raise ValueError(f"{path}: a dump written by write_dump must end in .safetensors")
    given = {"x1": x1, "x2": x2}
    for name, value in optional.items():
        if value is not None:
            given[name] = value
    n_mod = _modalities(given)
    for name in given:
        if not (re.fullmatch(r"x[1-9][0-9]*", name) or name in _LOGITS or name in ("split", "ids")):
            warnings.warn(
                f"write_dump: tensor '{name}' is not one LSMI Lens reads "
                f"(x1, x2, x3, ..., y, logits1, logits2, logits12, split, ids); it is stored but ignored",
                stacklevel=3,
            )

    tensors = {}
    for name, value in given.items():
        a = _host(name, value)
        if re.fullmatch(r"x[1-9][0-9]*", name) or name in _LOGITS:
            a = _cast(name, a, dtype)
            if len(a.shape) != 2:
                hint = "; flatten it with .reshape(len(x), -1)" if name.startswith("x") and len(a.shape) > 2 else ""
                what = "features" if name.startswith("x") else "logits"
                raise ValueError(f"{name}: {what} must be 2-D [N, D], got shape {list(a.shape)}{hint}")
        elif name in ("split", "ids"):
            if a.code == "BF16":
                a = _from_numpy(name, a.as_float())
            if len(a.shape) != 1:
                raise ValueError(f"{name}: must be 1-D [N], got shape {list(a.shape)}")
        tensors[name] = a
    labels = _labels("y", _host("y", y))
    tensors = {"x1": tensors.pop("x1"), "x2": tensors.pop("x2"), "y": labels, **tensors}

    n = labels.shape[0]
    if n == 0:
        raise ValueError("y: no samples (0 rows)")
    rows = {name: a.shape[0] for name, a in tensors.items()}
    if any(r != n for r in rows.values()):
        listed = ", ".join(f"{name} {r}" for name, r in rows.items())
        raise ValueError(f"row counts differ ({listed}): every tensor needs one row per sample")
    if class_names is not None:
        class_names = _names("class_names", class_names)
        top = int(labels.data.max())
        if top >= len(class_names):
            raise ValueError(f"y: label {top} is out of range for {len(class_names)} class names")
    modality_names = _names("modality_names", modality_names, n_mod)

    meta = {}
    for key, v in (("epoch", epoch), ("step", step)):
        v = _number(key, v)
        if v is not None:
            meta[key] = json.dumps(v)
    if modality_names is not None:
        meta["modalityNames"] = json.dumps(modality_names)
    if class_names is not None:
        meta["classNames"] = json.dumps(class_names)

    header = {"__metadata__": meta} if meta else {}
    offset = 0
    blobs = []
    for name, a in tensors.items():
        data = np.ascontiguousarray(a.data)
        data = data.astype(data.dtype.newbyteorder("<"), copy=False)  # safetensors is little-endian
        header[name] = {"dtype": a.code, "shape": list(data.shape), "data_offsets": [offset, offset + data.nbytes]}
        offset += data.nbytes
        blobs.append(data)
    head = json.dumps(header).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    return [struct.pack("<Q", len(head)), head] + [memoryview(b.reshape(-1).view(np.uint8)) for b in blobs if b.nbytes]
