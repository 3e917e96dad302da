"""FeatureTap over a real two-encoder PyTorch model and an evaluation DataLoader."""

import json
import os

import numpy as np

from helpers import TempDir, needs_torch, read_safetensors, torch

if torch is not None:
    from torch import nn

    from lsmi_lens import FeatureTap
    from lsmi_lens.tap import _supports_kwargs_pre_hooks
    from models import DA, DV, TwoEncoders, loader, train_steps


def evaluate(model, tap, data=None, labels=True, mode=None):
    model.eval()
    with (mode or torch.no_grad)():
        for xa, xv, y in data if data is not None else loader():
            model(xa, xv)
            if labels:
                tap.labels(y)


@needs_torch
class FeatureTapTest(TempDir):
    def test_collects_features_logits_and_labels_over_an_eval_loader(self):
        model = TwoEncoders()
        run = self.path("runs", "late-fusion")
        os.makedirs(run)
        with open(os.path.join(run, "run.json"), "w") as f:
            json.dump({"name": "Late fusion", "fusion": "late"}, f)
        with FeatureTap(model, modalities={"audio": model.audio, "visual": model.visual}, logits=model.head) as tap:
            for epoch in (1, 2):
                train_steps(model)  # train mode: nothing collected
                self.assertEqual(tap.counts(), {"audio": 0, "visual": 0, "logits12": 0, "labels": 0, "ids": 0})
                evaluate(model, tap)
                self.assertEqual(tap.counts()["audio"], 50)
                path = tap.write(run, epoch=epoch, class_names=["low", "mid", "high"])
                self.assertEqual(path, os.path.join(run, f"epoch-{epoch:04d}.safetensors"))
                self.assertEqual(tap.counts()["audio"], 0, "write clears the batches")
                t, meta = read_safetensors(path)
                xa, xv, y = loader().dataset.tensors
                with torch.no_grad():
                    np.testing.assert_allclose(t["x1"][1], model.audio(xa).numpy(), rtol=1e-6)
                    np.testing.assert_allclose(t["x2"][1], model.visual(xv).numpy(), rtol=1e-6)
                    np.testing.assert_allclose(t["logits12"][1], model(xa, xv).numpy(), rtol=1e-5, atol=1e-6)
                np.testing.assert_array_equal(t["y"][1], y.numpy())
                tap.clear()  # the reference forward passes above ran in eval mode, with the hooks on
                self.assertEqual(meta, {"epoch": epoch, "modalityNames": ["audio", "visual"],
                                        "classNames": ["low", "mid", "high"]})
        self.assertTrue(tap.closed)
        for m in (model.audio, model.visual, model.head):
            self.assertEqual(len(m._forward_hooks), 0, "leaving the with block removes the hooks")
        with open(os.path.join(run, "run.json")) as f:
            self.assertEqual(json.load(f), {"name": "Late fusion", "fusion": "late", "modalityNames": ["audio", "visual"],
                                            "classNames": ["low", "mid", "high"]})
        self.assertEqual(sorted(os.listdir(run)), ["epoch-0001.safetensors", "epoch-0002.safetensors", "run.json"])

    def test_submodule_names_step_naming_ids_and_close(self):
        model = TwoEncoders()
        tap = FeatureTap(model, {"a": "audio.0", "v": "visual"}, logits={"logits12": "head"})
        model.eval()
        with torch.no_grad():
            for i, (xa, xv, y) in enumerate(loader()):
                model(xa, xv)
                tap.labels(y.to(torch.int16))
                tap.ids(torch.arange(len(y)) + 100 * i)
        path = tap.write(self.path("run"), step=120)
        self.assertTrue(path.endswith("step-0000120.safetensors"))
        t, meta = read_safetensors(path)
        self.assertEqual(t["x1"][1].shape, (50, 8))
        self.assertTrue((t["x1"][1] < 0).any(), "audio.0 is the Linear, before the ReLU")
        self.assertEqual(list(t["ids"][1][14:18]), [14, 15, 100, 101])
        self.assertEqual(meta, {"step": 120, "modalityNames": ["a", "v"]})
        tap.close()
        tap.close()  # idempotent
        evaluate(model, tap, labels=False)
        self.assertEqual(tap.counts()["a"], 0, "a closed tap collects nothing")
        with self.assertRaisesRegex(ValueError, "has no submodule 'nope'"):
            FeatureTap(model, {"a": "nope", "v": "visual"})
        with self.assertRaisesRegex(ValueError, "needs at least two modalities"):
            FeatureTap(model, {"a": model.audio})
        with self.assertRaisesRegex(ValueError, "logits: unknown key 'fused'"):
            FeatureTap(model, {"a": model.audio, "v": model.visual}, logits={"fused": model.head})

    def test_rows_that_do_not_line_up_are_refused_with_counts(self):
        model = TwoEncoders()
        with FeatureTap(model, {"audio": model.audio, "visual": model.visual}) as tap:
            model.eval()
            for i, (xa, xv, y) in enumerate(loader()):
                model(xa, xv)
                if i != 1:
                    tap.labels(y)
            with self.assertRaises(ValueError) as e:
                tap.write(self.path("run"), epoch=1)
            self.assertIn("row counts differ (modality 'audio' 50 rows (4 batches), modality 'visual' 50 rows (4 batches), "
                          "labels 34 rows (3 batches))", str(e.exception))
            evaluate(model, tap, labels=False)
            with self.assertRaisesRegex(ValueError, r"no labels \(.*\): call tap.labels\(y\) per batch"):
                tap.write(self.path("run"), epoch=1)
            with self.assertRaisesRegex(ValueError, "nothing collected: run the model over the evaluation set"):
                tap.write(self.path("run"), epoch=1)
        self.assertFalse(os.path.exists(self.path("run")), "nothing written")

    def test_a_hook_that_did_not_fire(self):
        model = TwoEncoders()
        unused = nn.Linear(3, 3)
        with FeatureTap(model, {"audio": model.audio, "text": unused}) as tap:
            evaluate(model, tap)
            with self.assertRaisesRegex(ValueError, "nothing collected for modality 'text' .*did its hook fire"):
                tap.write(self.path("run"), epoch=1)

    def test_a_module_called_twice_per_forward_appends_twice(self):
        class Twice(TwoEncoders):
            def forward(self, xa, xv, labels=None):
                self.audio(xa)  # e.g. a second view for test-time augmentation
                return super().forward(xa, xv)

        model = Twice()
        with FeatureTap(model, {"audio": model.audio, "visual": model.visual}) as tap:
            evaluate(model, tap)
            self.assertEqual(tap.counts()["audio"], 100)
            with self.assertRaisesRegex(ValueError, "a module that runs more than once per forward appends once per call"):
                tap.write(self.path("run"), epoch=1)

    def test_rows_are_copied_before_in_place_ops_change_them(self):
        model = TwoEncoders()
        model.audio = nn.Sequential(nn.Linear(DA, 8), nn.ReLU(inplace=True))
        with FeatureTap(model, {"pre": model.audio[0], "visual": model.visual}) as tap:
            evaluate(model, tap)
            t, _ = read_safetensors(tap.write(self.path("run"), epoch=1))
        self.assertTrue((t["x1"][1] < 0).any(), "the Linear's output as it was, before ReLU(inplace=True) ran")

    def test_bfloat16_model_and_structured_outputs(self):
        class Tokens(nn.Module):
            """An encoder with a structured output: tokens [B, T, H] in a dict, and a tuple-returning head."""

            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(DV, 4 * 3)

            def forward(self, x):
                return {"loss": torch.zeros(()), "last_hidden_state": self.lin(x).view(len(x), 4, 3)}

        class Model(TwoEncoders):
            def __init__(self):
                super().__init__()
                self.tokens = Tokens()

            def forward(self, xa, xv, labels=None):
                h = self.tokens(xv)["last_hidden_state"].mean(1)
                return self.head(torch.cat([self.audio(xa), h, torch.zeros(len(xa), 8 - 3, dtype=h.dtype)], 1))

        model = Model().to(torch.bfloat16)
        data = [(xa.bfloat16(), xv.bfloat16(), y) for xa, xv, y in loader()]
        with FeatureTap(model, {"audio": model.audio, "tokens": model.tokens}, logits=model.head) as tap:
            evaluate(model, tap, data, mode=getattr(torch, "inference_mode", None))  # inference tensors
            t, _ = read_safetensors(tap.write(self.path("run"), epoch=1))
        self.assertEqual([t[k][0] for k in ("x1", "x2", "logits12")], ["BF16", "BF16", "BF16"])
        self.assertEqual(t["x2"][1].shape, (50, 12), "tokens flattened per sample")
        xa = torch.cat([b[0] for b in data])
        with torch.no_grad():
            np.testing.assert_array_equal(t["x1"][1], model.audio(xa).view(torch.int16).numpy().view(np.uint16))
        with FeatureTap(model, {"audio": model.audio, "tokens": model.tokens},
                        transform=lambda name, out: out["last_hidden_state"].mean(1) if name == "tokens" else out) as tap:
            evaluate(model, tap, data)
            t, _ = read_safetensors(tap.write(self.path("run"), epoch=2, dtype="float32"))
        self.assertEqual((t["x2"][0], t["x2"][1].shape), ("F32", (50, 3)))

    def test_labels_from_a_keyword_argument(self):
        model = TwoEncoders()
        if not _supports_kwargs_pre_hooks():
            with self.assertRaisesRegex(RuntimeError, "labels_from needs PyTorch 2.0 or newer.*call tap.labels"):
                FeatureTap(model, {"audio": model.audio, "visual": model.visual}, labels_from="labels")
            self.assertEqual(len(model.audio._forward_hooks), 0, "no hook left behind")
            return
        with FeatureTap(model, {"audio": model.audio, "visual": model.visual}, labels_from="labels") as tap:
            model.eval()
            with torch.no_grad():
                for xa, xv, y in loader():
                    model(xa=xa, xv=xv, labels=y)
            t, _ = read_safetensors(tap.write(self.path("run"), epoch=1))
        np.testing.assert_array_equal(t["y"][1], loader().dataset.tensors[2].numpy())
