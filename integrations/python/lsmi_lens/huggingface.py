"""Hugging Face Trainer callback: one LSMI Lens dump per evaluation.

    from lsmi_lens.huggingface import LSMICallback

    trainer = Trainer(model=model, args=args, ...,
                      callbacks=[LSMICallback("runs/late-fusion",
                                              modalities={"text": "text_model.pooler", "image": "vision_model.pooler"},
                                              logits="classifier", class_names=classes)])

The hooks are attached when the Trainer is built (on_init_end) or training begins
(on_train_begin); labels come from the model's `labels` keyword argument (`label_key`), read
by a forward pre-hook (PyTorch 2.0 or newer). Each evaluation writes
`step-NNNNNNN.safetensors` (state.global_step), with state.epoch in its metadata: with
eval_strategy="steps" an epoch holds several evaluations. Under DDP rank 0 writes.
"""

try:
    from transformers import TrainerCallback
except ImportError:
    raise ImportError("lsmi_lens.huggingface needs transformers: pip install transformers") from None

from .tap import FeatureTap

__all__ = ["LSMICallback"]


class LSMICallback(TrainerCallback):
    def __init__(self, run_dir, modalities, logits=None, class_names=None, label_key="labels", dtype=None,
                 transform=None):
        self.run_dir, self.modalities, self.logits = run_dir, dict(modalities), logits
        self.class_names, self.label_key, self.dtype, self.transform = class_names, label_key, dtype, transform
        self.tap = None
        self.last_path = None

    def _attach(self, model):
        if model is None or (self.tap is not None and self.tap.model is model):
            return
        if self.tap is not None:
            self.tap.close()
        self.tap = FeatureTap(model, self.modalities, logits=self.logits, labels_from=self.label_key,
                              transform=self.transform)

    def on_init_end(self, args, state, control, model=None, **kwargs):
        self._attach(model)

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self._attach(model)

    def on_evaluate(self, args, state, control, model=None, **kwargs):
        self._attach(model)
        step = state.global_step
        self.last_path = self.tap.write(self.run_dir, epoch=state.epoch, step=step, class_names=self.class_names,
                                        dtype=self.dtype, name=f"step-{step:07d}.safetensors")
