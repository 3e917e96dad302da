"""The trainer callbacks. Lightning, transformers and Keras are not installed here: importing an
adapter without its framework must fail with a clear message, and each adapter's logic is
driven through a minimal stand-in for its framework's callback base class (the calls follow
each framework's documented hook signatures). FeatureTap and write_checkpoint beneath are real."""

import importlib
import os
import sys
import types
import unittest
from types import SimpleNamespace
from unittest import mock

import numpy as np

from helpers import TempDir, needs_torch, read_safetensors, torch

BLOCKED = {
    "lsmi_lens.lightning": ["lightning", "lightning.pytorch", "pytorch_lightning"],
    "lsmi_lens.huggingface": ["transformers"],
    "lsmi_lens.keras": ["keras", "tensorflow", "tensorflow.keras"],
}


def fresh_import(name, modules):
    """Import `name` anew with sys.modules patched by `modules` (None blocks a module)."""
    with mock.patch.dict(sys.modules, {name: None, **modules}):
        del sys.modules[name]
        return importlib.import_module(name)


class WithoutTheFrameworkTest(unittest.TestCase):
    def test_importing_an_adapter_without_its_framework_says_what_to_install(self):
        messages = {
            "lsmi_lens.lightning": "lsmi_lens.lightning needs pytorch_lightning or lightning: pip install lightning",
            "lsmi_lens.huggingface": "lsmi_lens.huggingface needs transformers: pip install transformers",
            "lsmi_lens.keras": "lsmi_lens.keras needs keras: pip install keras",
        }
        for name, message in messages.items():
            with self.assertRaises(ImportError) as e:
                fresh_import(name, dict.fromkeys(BLOCKED[name]))
            self.assertEqual(str(e.exception), message)

    def test_feature_tap_without_torch_says_what_to_install(self):
        import lsmi_lens

        with mock.patch.dict(sys.modules, {"torch": None, "lsmi_lens.tap": None}):
            del sys.modules["lsmi_lens.tap"]
            with self.assertRaisesRegex(ImportError, r"lsmi_lens.FeatureTap needs PyTorch: pip install torch"):
                lsmi_lens.FeatureTap  # noqa: B018


def stand_in(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    return m


@needs_torch
class LightningTest(TempDir):
    def adapter(self):
        class Callback:  # lightning.pytorch.Callback: a plain base class whose hooks do nothing
            pass

        pl = stand_in("lightning.pytorch", Callback=Callback)
        return fresh_import("lsmi_lens.lightning", {"lightning": stand_in("lightning", pytorch=pl), "lightning.pytorch": pl})

    def validation_epoch(self, cb, trainer, model, batches):
        """What Lightning's validation loop calls, in order, with the model in eval mode."""
        cb.on_validation_epoch_start(trainer, model)
        model.eval()
        with torch.no_grad():
            for i, batch in enumerate(batches):
                out = model(batch["audio"], batch["visual"])
                cb.on_validation_batch_end(trainer, model, out, batch, i)  # dataloader_idx defaults to 0
        cb.on_validation_epoch_end(trainer, model)
        model.train()

    def test_one_dump_per_validation_epoch_none_for_the_sanity_check(self):
        from models import TwoEncoders, loader, train_steps

        lightning = self.adapter()
        model = TwoEncoders()
        batches = [{"audio": xa, "visual": xv, "labels": y} for xa, xv, y in loader()]
        run = self.path("run")
        cb = lightning.LSMICallback(run, {"audio": "audio", "visual": model.visual}, logits="head", class_names=["a", "b", "c"])
        trainer = SimpleNamespace(sanity_checking=True, current_epoch=0, global_step=0)
        self.validation_epoch(cb, trainer, model, batches[:1])
        self.assertFalse(os.path.exists(run), "the sanity check writes nothing")
        for epoch in (0, 1):
            train_steps(model)
            trainer = SimpleNamespace(sanity_checking=False, current_epoch=epoch, global_step=3 * (epoch + 1))
            self.validation_epoch(cb, trainer, model, batches)
            t, meta = read_safetensors(cb.last_path)
            self.assertEqual(os.path.basename(cb.last_path), f"epoch-{epoch:04d}.safetensors")
            self.assertEqual((meta["epoch"], meta["step"]), (epoch, 3 * (epoch + 1)))
            self.assertEqual(t["x1"][1].shape, (50, 8))
            np.testing.assert_array_equal(t["y"][1], loader().dataset.tensors[2].numpy())
        cb.teardown(trainer, model, "fit")
        self.assertEqual(len(model.audio._forward_hooks), 0)
        self.assertEqual(lightning.default_labels((1, 2, 3)), 2)
        with self.assertRaisesRegex(KeyError, "pass get_labels="):
            lightning.default_labels({"x": 1})

    def test_custom_labels_and_ids(self):
        from models import TwoEncoders, loader

        lightning = self.adapter()
        model = TwoEncoders()
        batches = [{"audio": xa, "visual": xv, "target": y, "index": torch.arange(len(y))} for xa, xv, y in loader()]
        cb = lightning.LSMICallback(self.path("run"), {"audio": "audio", "visual": "visual"},
                                    get_labels=lambda b: b["target"], get_ids=lambda b: b["index"])
        self.validation_epoch(cb, SimpleNamespace(sanity_checking=False, current_epoch=4, global_step=9), model, batches)
        t, _ = read_safetensors(cb.last_path)
        self.assertEqual(t["ids"][1].shape, (50,))


@needs_torch
class HuggingFaceTest(TempDir):
    def test_hooks_attached_at_init_and_one_dump_per_evaluate(self):
        from lsmi_lens.tap import _supports_kwargs_pre_hooks
        from models import TwoEncoders, loader

        class TrainerCallback:  # transformers.TrainerCallback: hooks that do nothing
            pass

        hf = fresh_import("lsmi_lens.huggingface", {"transformers": stand_in("transformers", TrainerCallback=TrainerCallback)})
        model = TwoEncoders()
        cb = hf.LSMICallback(self.path("run"), {"audio": "audio", "visual": "visual"}, logits="head")
        args, control = SimpleNamespace(), SimpleNamespace()
        if not _supports_kwargs_pre_hooks():
            # Labels come from the model's `labels` argument, which needs PyTorch 2.0's kwargs pre-hooks.
            with self.assertRaisesRegex(RuntimeError, "labels_from needs PyTorch 2.0 or newer"):
                cb.on_init_end(args, SimpleNamespace(epoch=None, global_step=0), control, model=model)
            self.skipTest(f"the Hugging Face adapter reads labels with PyTorch 2.0 hooks; this is {torch.__version__}")
        cb.on_init_end(args, SimpleNamespace(epoch=None, global_step=0), control, model=model)
        model.eval()  # Trainer.evaluate: model(**inputs) with the labels among the inputs
        with torch.no_grad():
            for xa, xv, y in loader():
                model(xa=xa, xv=xv, labels=y)
        cb.on_evaluate(args, SimpleNamespace(epoch=1.5, global_step=30), control, model=model, metrics={})
        t, meta = read_safetensors(cb.last_path)
        self.assertEqual(os.path.basename(cb.last_path), "step-0000030.safetensors")
        self.assertEqual((meta["epoch"], meta["step"]), (1.5, 30))
        np.testing.assert_array_equal(t["y"][1], loader().dataset.tensors[2].numpy())


class KerasTest(TempDir):
    def test_feature_models_predict_at_each_epoch_end(self):
        class Callback:  # keras.callbacks.Callback
            def __init__(self):
                self.model = None

        keras = stand_in("keras", callbacks=stand_in("keras.callbacks", Callback=Callback))
        adapter = fresh_import("lsmi_lens.keras", {"keras": keras, "keras.callbacks": keras.callbacks})

        class Model:  # what the adapter uses of keras.Model: predict(x, batch_size=, verbose=)
            def __init__(self, w):
                self.w, self.calls = w, []

            def predict(self, x, batch_size=None, verbose="auto"):
                self.calls.append((batch_size, verbose))
                return np.tanh(np.concatenate(x, 1) @ self.w)

        rng = np.random.default_rng(0)
        x = [rng.standard_normal((40, 3)), rng.standard_normal((40, 2))]
        y = np.arange(40) % 2
        audio, visual, fused = Model(rng.standard_normal((5, 4))), Model(rng.standard_normal((5, 6))), Model(rng.standard_normal((5, 2)))
        cb = adapter.LSMICallback(self.path("run"), {"audio": audio, "visual": visual}, x, y, logits_model=fused,
                                  class_names=["no", "yes"], batch_size=16, every=2)
        cb.on_epoch_end(0, {"loss": 1.0})
        self.assertIsNone(cb.last_path, "every=2: the first epoch is skipped")
        cb.on_epoch_end(1, {"loss": 0.5})
        self.assertEqual(os.path.basename(cb.last_path), "epoch-0002.safetensors")
        t, meta = read_safetensors(cb.last_path)
        np.testing.assert_allclose(t["x2"][1], np.tanh(np.concatenate(x, 1) @ visual.w))
        self.assertEqual(t["logits12"][1].shape, (40, 2))
        self.assertEqual(meta, {"epoch": 2, "modalityNames": ["audio", "visual"], "classNames": ["no", "yes"]})
        self.assertEqual(audio.calls, [(16, 0)])
