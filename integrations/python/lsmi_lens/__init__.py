"""LSMI Lens from Python training loops: one dump per checkpoint for `lsmi watch` (or the
VS Code extension) to analyse into redundancy, uniqueness and synergy.

    write_dump(path, x1, x2, y, ...)             one .safetensors dump (numpy only)
    write_checkpoint(run_dir, {"audio": a, ...}, y, epoch=3)
                                                 the same, named by epoch or step, run.json kept up to date
    FeatureTap(model, modalities={...}, logits=head)
                                                 forward hooks that collect features during evaluation (PyTorch)
    lsmi_lens.lightning, lsmi_lens.huggingface, lsmi_lens.keras
                                                 trainer callbacks (each needs its framework)

FeatureTap is imported on first use, so that the rest works without PyTorch.
"""

from .dump import write_dump
from .run import dump_name, update_run_json, write_checkpoint

__version__ = "0.1.0"
__all__ = ["FeatureTap", "dump_name", "update_run_json", "write_checkpoint", "write_dump", "__version__"]


def __getattr__(name):
    if name == "FeatureTap":
        try:
            from .tap import FeatureTap
        except ModuleNotFoundError as e:
            if e.name != "torch":
                raise
            raise ImportError("lsmi_lens.FeatureTap needs PyTorch: pip install torch (or lsmi-lens[torch])") from e
        return FeatureTap
    raise AttributeError(f"module 'lsmi_lens' has no attribute {name!r}")
