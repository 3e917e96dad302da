"""write_dump and write_checkpoint: dtypes, layouts, labels, shapes, metadata, atomic writes, run.json."""

import json
import os
import warnings
from unittest import mock

import numpy as np
from helpers import TempDir, bf16_to_f32, needs_torch, read_safetensors, torch

import lsmi_lens
import lsmi_lens.dump
from lsmi_lens import dump_name, update_run_json, write_checkpoint, write_dump

N = 12
Y = np.arange(N) % 3


def feats(d=4, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal((N, d)).astype(dtype)


class WriteDumpTest(TempDir):
    def roundtrip(self, x1, x2, y=Y, **kw):
        path = write_dump(self.path("d.safetensors"), x1, x2, y, **kw)
        return read_safetensors(path)

    def test_numpy_float_dtypes_are_stored_as_given(self):
        for dtype, code in ((np.float16, "F16"), (np.float32, "F32"), (np.float64, "F64")):
            x = feats(dtype=dtype)
            t, _ = self.roundtrip(x, x[:, :2])
            self.assertEqual(t["x1"][0], code)
            np.testing.assert_array_equal(t["x1"][1], x)
            self.assertEqual(t["y"][0], "I64")
            np.testing.assert_array_equal(t["y"][1], Y)

    def test_non_contiguous_numpy(self):
        base = feats(d=N)
        t, _ = self.roundtrip(base.T, base[:, ::3])  # Fortran-ordered and strided
        np.testing.assert_array_equal(t["x1"][1], base.T)
        np.testing.assert_array_equal(t["x2"][1], base[:, ::3])

    def test_dtype_converts_features_and_logits_only(self):
        t, _ = self.roundtrip(feats(dtype=np.float64), feats(seed=1), dtype="float16", logits12=feats(d=3), ids=np.arange(N, dtype=np.int32))
        self.assertEqual([t[k][0] for k in ("x1", "x2", "logits12", "ids", "y")], ["F16", "F16", "F16", "I32", "I64"])
        np.testing.assert_array_equal(t["x1"][1], feats(dtype=np.float64).astype(np.float16))

    def test_bfloat16_conversion_rounds_to_nearest_even(self):
        x = np.array([[1.0, 1.00390625, 1.01171875, -3.14159, 1e-40, np.inf, -np.inf, np.nan]] * N, dtype=np.float32)
        t, _ = self.roundtrip(x, feats(), dtype="bfloat16")
        self.assertEqual(t["x1"][0], "BF16")
        back = bf16_to_f32(t["x1"][1][0])
        np.testing.assert_array_equal(back[:3], [1.0, 1.0, 1.015625])  # ties to even, then up
        self.assertTrue(np.isnan(back[7]) and np.isinf(back[5]) and back[6] < 0)
        if torch is not None:
            want = torch.from_numpy(x[0]).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
            np.testing.assert_array_equal(t["x1"][1][0][:7], want[:7])

    def test_unsigned_labels_of_every_width(self):
        for dtype in (np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64):
            t, _ = self.roundtrip(feats(), feats(seed=1), y=Y.astype(dtype))
            self.assertEqual(t["y"][0], "I64", dtype)
            np.testing.assert_array_equal(t["y"][1], Y)

    def test_labels_that_are_not_class_indices_are_refused(self):
        big = Y.astype(np.uint64)
        big[3] = 2**63
        cases = [
            (big, "y: label 9223372036854775808 does not fit in int64"),
            (Y - 1, "y: negative label -1"),
            (Y + 0.5, "y: labels must be integer class indices"),
            (np.stack([Y, Y], 1), "y: labels must be 1-D"),
        ]
        for y, message in cases:
            with self.assertRaises(ValueError) as e:
                write_dump(self.path("bad.safetensors"), feats(), feats(), y)
            self.assertIn(message, str(e.exception))
        self.assertEqual(os.listdir(self.dir), [], "nothing written for a refused dump")
        t, _ = self.roundtrip(feats(), feats(), y=Y.astype(np.float32).reshape(N, 1))  # [N, 1] integral floats
        np.testing.assert_array_equal(t["y"][1], Y)

    def test_shapes_are_checked_with_the_tensor_named(self):
        cases = [
            (dict(x1=feats()[:-1], x2=feats()), "row counts differ (x1 11, x2 12, y 12)"),
            (dict(x1=feats()[:, 0], x2=feats()), "x1: features must be 2-D [N, D], got shape [12]"),
            (dict(x1=feats().reshape(N, 2, 2), x2=feats()), "flatten it with .reshape(len(x), -1)"),
            (dict(x1=feats(), x2=feats(), logits12=Y), "logits12: logits must be 2-D"),
            (dict(x1=feats(), x2=feats(), ids=feats()), "ids: must be 1-D [N]"),
            (dict(x1=feats(), x2=feats(), x4=feats()), "x3 is missing"),
            (dict(x1=feats(), x2=feats(), class_names=["a", "b"]), "y: label 2 is out of range for 2 class names"),
            (dict(x1=feats(), x2=feats(), modality_names=["a"]), "modality_names has 1 names for 2 modalities"),
            (dict(x1=feats()[:0], x2=feats()[:0], y=Y[:0]), "y: no samples"),
        ]
        for kw, message in cases:
            kw.setdefault("y", Y)
            with self.assertRaises(ValueError, msg=message) as e:
                write_dump(self.path("bad.safetensors"), **kw)
            self.assertIn(message, str(e.exception))
        with self.assertRaisesRegex(ValueError, "must end in .safetensors"):
            write_dump(self.path("d.npz"), feats(), feats(), Y)
        with self.assertRaisesRegex(ValueError, "dtype must be one of"):
            write_dump(self.path("d.safetensors"), feats(), feats(), Y, dtype="int8")
        with self.assertRaisesRegex(TypeError, "x2: dtype complex64 cannot be stored"):
            write_dump(self.path("d.safetensors"), feats(), feats().astype(np.complex64), Y)

    def test_metadata_and_further_tensors(self):
        t, meta = self.roundtrip(feats(), feats(seed=1), epoch=3, step=1200, x3=feats(d=2),
                                 modality_names=["audio", "visual", "text"], class_names=["a", "b", "c"],
                                 split=np.arange(N) % 2 == 0, logits1=feats(d=3))
        self.assertEqual(meta, {"epoch": 3, "step": 1200, "modalityNames": ["audio", "visual", "text"],
                                "classNames": ["a", "b", "c"]})
        self.assertEqual(sorted(t), ["logits1", "split", "x1", "x2", "x3", "y"])
        self.assertEqual(t["split"][0], "BOOL")
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            self.roundtrip(feats(), feats(), logit12=feats(d=3))
        self.assertIn("tensor 'logit12' is not one LSMI Lens reads", str(w[0].message))

    def test_atomic_write_uses_a_hidden_tmp_name_in_the_same_folder(self):
        seen = []
        real = os.replace

        def spy(src, dst):
            seen.append((src, dst, sorted(os.listdir(self.dir))))
            return real(src, dst)

        with mock.patch.object(lsmi_lens.dump.os, "replace", spy):
            path = write_dump(self.path("epoch-0001.safetensors"), feats(), feats(), Y)
        src, dst, listing = seen[0]
        self.assertEqual(os.path.dirname(src), self.dir)
        self.assertTrue(os.path.basename(src).startswith(".") and ".tmp" in os.path.basename(src), src)
        self.assertEqual(listing, [os.path.basename(src)], "only the temporary file exists before the rename")
        self.assertEqual((dst, os.listdir(self.dir)), (path, ["epoch-0001.safetensors"]))

    def test_a_failed_write_leaves_nothing_behind(self):
        with mock.patch.object(lsmi_lens.dump.os, "replace", side_effect=OSError("disk full")):
            with self.assertRaisesRegex(OSError, "disk full"):
                write_dump(self.path("epoch-0001.safetensors"), feats(), feats(), Y)
        self.assertEqual(os.listdir(self.dir), [])

    def test_the_old_module_name_still_works(self):
        import lsmi_dump

        self.assertIs(lsmi_dump.write_dump, write_dump)
        self.assertEqual(lsmi_lens.__version__, "0.1.0")


@needs_torch
class TorchTensorsTest(TempDir):
    def roundtrip(self, x1, x2, y=Y, **kw):
        return read_safetensors(write_dump(self.path("d.safetensors"), x1, x2, y, **kw))

    def test_float_dtypes_bit_exact(self):
        for dtype, code in ((torch.bfloat16, "BF16"), (torch.float16, "F16"), (torch.float32, "F32"), (torch.float64, "F64")):
            x = torch.randn(N, 5).to(dtype)
            t, _ = self.roundtrip(x, x[:, :2], logits12=x[:, :3])
            self.assertEqual(t["x1"][0], code, dtype)
            self.assertEqual(t["logits12"][0], code, dtype)
            if dtype == torch.bfloat16:
                np.testing.assert_array_equal(t["x1"][1], x.view(torch.int16).numpy().view(np.uint16))
                np.testing.assert_array_equal(bf16_to_f32(t["x1"][1]), x.float().numpy())
            else:
                np.testing.assert_array_equal(t["x1"][1], x.numpy())

    def test_bfloat16_converted_on_request(self):
        x = torch.randn(N, 4, dtype=torch.bfloat16)
        t, _ = self.roundtrip(x, x, dtype="float32")
        self.assertEqual(t["x1"][0], "F32")
        np.testing.assert_array_equal(t["x1"][1], x.float().numpy())
        t, _ = self.roundtrip(x.float(), x, dtype=torch.bfloat16)
        np.testing.assert_array_equal(t["x1"][1], x.view(torch.int16).numpy().view(np.uint16))

    def test_requires_grad_and_non_contiguous(self):
        w = torch.randn(6, N, requires_grad=True)
        x1 = (w * 2).t()  # requires grad, transposed
        x2 = torch.randn(N, 8)[:, 1::2]  # strided slice
        x3 = torch.randn(N * 2, 3, dtype=torch.bfloat16)[::2]  # strided bf16
        self.assertFalse(x1.is_contiguous() or x2.is_contiguous() or x3.is_contiguous())
        t, _ = self.roundtrip(x1, x2, x3=x3, y=torch.from_numpy(Y))
        np.testing.assert_array_equal(t["x1"][1], x1.detach().numpy())
        np.testing.assert_array_equal(t["x2"][1], x2.numpy())
        np.testing.assert_array_equal(t["x3"][1], x3.contiguous().view(torch.int16).numpy().view(np.uint16))

    def test_integer_labels_of_every_torch_width(self):
        dtypes = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
        dtypes += [getattr(torch, n) for n in ("uint16", "uint32", "uint64") if hasattr(torch, n)]  # PyTorch 2.3+
        for dtype in dtypes:
            t, _ = self.roundtrip(torch.randn(N, 2), torch.randn(N, 2), y=torch.from_numpy(Y).to(dtype))
            np.testing.assert_array_equal(t["y"][1], Y, str(dtype))
        t, _ = self.roundtrip(torch.randn(N, 2), torch.randn(N, 2), y=torch.from_numpy(Y).float().view(N, 1))
        np.testing.assert_array_equal(t["y"][1], Y)
        with self.assertRaisesRegex(ValueError, "y: negative label -1"):
            write_dump(self.path("bad.safetensors"), torch.randn(N, 2), torch.randn(N, 2), torch.from_numpy(Y) - 1)

    def test_complex_tensors_are_refused_by_name(self):
        with self.assertRaisesRegex(TypeError, "x2: complex tensors cannot be stored"):
            write_dump(self.path("d.safetensors"), torch.randn(N, 2), torch.randn(N, 2, dtype=torch.complex64), Y)


class WriteCheckpointTest(TempDir):
    def test_names(self):
        self.assertEqual(dump_name(epoch=3), "epoch-0003.safetensors")
        self.assertEqual(dump_name(epoch=12345), "epoch-12345.safetensors")
        self.assertEqual(dump_name(step=1200), "step-0001200.safetensors")
        self.assertEqual(dump_name(epoch=2.0, step=7), "epoch-0002.safetensors")
        self.assertEqual(dump_name(epoch=1.5, step=7), "step-0000007.safetensors")
        for kw, message in ((dict(), "give epoch= or step="), (dict(epoch=1.5), "not a whole number"),
                            (dict(epoch=-1), "must not be negative")):
            with self.assertRaisesRegex(ValueError, message):
                dump_name(**kw)

    def test_writes_the_dump_and_merges_run_json(self):
        run = self.path("runs", "late-fusion")
        os.makedirs(run)
        with open(os.path.join(run, "run.json"), "w") as f:
            json.dump({"fusion": "late", "source": "logits", "classNames": ["old"]}, f)
        path = write_checkpoint(run, {"audio": feats(), "visual": feats(seed=1).reshape(N, 2, 2)}, Y, epoch=3,
                                class_names=["a", "b", "c"], logits=feats(d=3))
        self.assertEqual(path, os.path.join(run, "epoch-0003.safetensors"))
        t, meta = read_safetensors(path)
        self.assertEqual(t["x2"][1].shape, (N, 4), "features with more axes are flattened per sample")
        self.assertIn("logits12", t)
        self.assertEqual(meta["modalityNames"], ["audio", "visual"])
        with open(os.path.join(run, "run.json")) as f:
            self.assertEqual(json.load(f), {"fusion": "late", "source": "logits", "classNames": ["a", "b", "c"],
                                            "modalityNames": ["audio", "visual"]})
        inode = os.stat(os.path.join(run, "run.json")).st_ino
        write_checkpoint(run, {"audio": feats(), "visual": feats()}, Y, step=40)
        self.assertEqual(os.stat(os.path.join(run, "run.json")).st_ino, inode, "unchanged run.json is not rewritten")
        self.assertEqual(sorted(os.listdir(run)), ["epoch-0003.safetensors", "run.json", "step-0000040.safetensors"])

    def test_nothing_is_written_when_the_dump_is_refused_or_run_json_is_broken(self):
        run = self.path("run")
        with self.assertRaisesRegex(ValueError, "row counts differ"):
            write_checkpoint(run, {"audio": feats(), "visual": feats()[:5]}, Y, epoch=1)
        self.assertFalse(os.path.exists(run))
        os.makedirs(run)
        with open(os.path.join(run, "run.json"), "w") as f:
            f.write("[1, 2")
        with self.assertRaisesRegex(ValueError, "run.json: not valid JSON"):
            write_checkpoint(run, {"audio": feats(), "visual": feats()}, Y, epoch=1)
        self.assertEqual(os.listdir(run), ["run.json"])
        with self.assertRaisesRegex(ValueError, "need at least two modalities"):
            write_checkpoint(run, {"audio": feats()}, Y, epoch=1)

    def test_update_run_json_creates_it(self):
        path = update_run_json(self.path("new"), modality_names=["a", "b"])
        with open(path) as f:
            self.assertEqual(json.load(f), {"modalityNames": ["a", "b"]})
