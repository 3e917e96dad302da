"""PyTorch Lightning callback: one LSMI Lens dump per validation epoch.

    from lsmi_lens.lightning import LSMICallback

    trainer = Trainer(callbacks=[LSMICallback("runs/late-fusion",
                                              modalities={"audio": "audio_encoder", "visual": "visual_encoder"},
                                              logits="head", class_names=classes)])

Modules may be given as modules or as submodule names of the LightningModule. The labels of
each validation batch come from `get_labels(batch)` (default: batch[1], or batch["labels"],
batch["label"] or batch["y"]). Dumps are named by `trainer.current_epoch` (0-based, as
Lightning's own checkpoints), with `trainer.global_step` in their metadata; the sanity-check
pass writes nothing. Under DDP every rank collects its shard and rank 0 writes.
"""

try:
    import lightning.pytorch as pl
except ImportError:
    try:
        import pytorch_lightning as pl
    except ImportError:
        raise ImportError("lsmi_lens.lightning needs pytorch_lightning or lightning: pip install lightning") from None

from .tap import FeatureTap

__all__ = ["LSMICallback", "default_labels"]


def default_labels(batch):
    """batch[1] of a (inputs, labels) tuple or list; batch["labels"] / ["label"] / ["y"] of a dict."""
    if isinstance(batch, dict):
        for key in ("labels", "label", "y"):
            if key in batch:
                return batch[key]
        raise KeyError(f"no labels in the batch (keys {sorted(batch)}): pass get_labels=")
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return batch[1]
    raise TypeError(f"cannot find the labels in a {type(batch).__name__} batch: pass get_labels=")


class LSMICallback(pl.Callback):
    def __init__(self, run_dir, modalities, logits=None, class_names=None, get_labels=default_labels, get_ids=None,
                 dtype=None, transform=None):
        super().__init__()
        self.run_dir, self.modalities, self.logits = run_dir, dict(modalities), logits
        self.class_names, self.get_labels, self.get_ids = class_names, get_labels, get_ids
        self.dtype, self.transform = dtype, transform
        self.tap = None
        self.last_path = None

    def on_validation_epoch_start(self, trainer, pl_module):
        if self.tap is None or self.tap.model is not pl_module:
            if self.tap is not None:
                self.tap.close()
            self.tap = FeatureTap(pl_module, self.modalities, logits=self.logits, transform=self.transform)
        self.tap.clear()

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        self.tap.labels(self.get_labels(batch))
        if self.get_ids is not None:
            self.tap.ids(self.get_ids(batch))

    def on_validation_epoch_end(self, trainer, pl_module):
        if trainer.sanity_checking:
            self.tap.clear()
            return
        self.last_path = self.tap.write(self.run_dir, epoch=trainer.current_epoch, step=trainer.global_step,
                                        class_names=self.class_names, dtype=self.dtype)

    def teardown(self, trainer, pl_module, stage):
        if self.tap is not None:
            self.tap.close()
            self.tap = None
