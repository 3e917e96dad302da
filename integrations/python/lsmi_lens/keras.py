"""Keras callback: one LSMI Lens dump per epoch (or every `every` epochs).

    from lsmi_lens.keras import LSMICallback

    audio = keras.Model(model.inputs, model.get_layer("audio_encoder").output)
    visual = keras.Model(model.inputs, model.get_layer("visual_encoder").output)
    model.fit(..., callbacks=[LSMICallback("runs/late-fusion", {"audio": audio, "visual": visual},
                                           x_val, y_val, logits_model=model, class_names=classes)])

Keras has no forward hooks: each feature model (sharing the trained model's layers, so it
sees the current weights) predicts the validation inputs `x` at the end of an epoch. Dumps
are named by epoch + 1 (Keras counts epochs from 0 and shows them from 1, as ModelCheckpoint
names its files). One process only: under a tf.distribute multi-worker strategy, add the
callback on the chief worker.
"""

try:
    import keras
except ImportError:
    try:
        from tensorflow import keras
    except ImportError:
        raise ImportError("lsmi_lens.keras needs keras: pip install keras") from None

from .run import write_checkpoint

__all__ = ["LSMICallback"]


class LSMICallback(keras.callbacks.Callback):
    def __init__(self, run_dir, feature_models, x, y, logits_model=None, class_names=None, batch_size=256,
                 every=1, ids=None, dtype=None):
        super().__init__()
        if len(feature_models) < 2:
            raise ValueError(f"need at least two feature models, got {len(feature_models)}")
        self.run_dir, self.feature_models, self.x, self.y = run_dir, dict(feature_models), x, y
        self.logits_model, self.class_names, self.batch_size = logits_model, class_names, batch_size
        self.every, self.ids, self.dtype = every, ids, dtype
        self.last_path = None

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        predict = lambda m: m.predict(self.x, batch_size=self.batch_size, verbose=0)  # noqa: E731
        features = {name: predict(m) for name, m in self.feature_models.items()}
        logits = predict(self.logits_model) if self.logits_model is not None else None
        self.last_path = write_checkpoint(self.run_dir, features, self.y, epoch=epoch + 1, class_names=self.class_names,
                                          logits=logits, ids=self.ids, dtype=self.dtype)
