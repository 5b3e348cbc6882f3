"""Customizing what happens in fit(), as in the Keras guide: a Model subclass with its own
train_step (GradientTape, compute_loss, apply_gradients, metric trackers), then a small GAN with
two optimizers whose generator learns to draw points on a circle.

fit traces both steps once into C++ (the model calls, losses, gradients, both optimizers'
updates and the trackers) and runs them in chunks of steps, as the built-in step. Written with
nerve.random and nerve.ops (not numpy) so that each step draws new noise: a step that cannot be
traced would run once per batch from Python, and fit would say why in a warning.

Run: python examples/custom_train_step.py
"""

import numpy as np

import nerve
from nerve import layers, ops


class RegressionModel(nerve.Model):
    """The built-in step written out, reporting a loss tracker and a mean-absolute-error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = nerve.metrics.Mean(name="loss")
        self.mae_metric = nerve.metrics.MeanAbsoluteError(name="mae")

    def train_step(self, data):
        x, y, sample_weight = nerve.utils.unpack_x_y_sample_weight(data)
        with nerve.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):  # reset by fit at each epoch's start
        return [self.loss_tracker, self.mae_metric]


class GAN(nerve.Model):
    """A discriminator and a generator trained in alternating steps, each by its own
    optimizer (the Keras guide's GAN, on 2-D points)."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim
        self.d_loss_tracker = nerve.metrics.Mean(name="d_loss")
        self.g_loss_tracker = nerve.metrics.Mean(name="g_loss")
        self.seed_generator = nerve.random.SeedGenerator(0)

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def noise(self, n):
        return nerve.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def train_step(self, real):
        n = ops.shape(real)[0]  # the batch size (known when each batch arrives)
        # the discriminator: fakes labelled 1, real points 0
        points = ops.concatenate([self.generator(self.noise(n)), real], axis=0)
        labels = ops.concatenate([ops.ones((n, 1)), ops.zeros((n, 1))], axis=0)
        with nerve.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(points, training=True))
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
        # the generator: make the discriminator answer "real" (0)
        with nerve.GradientTape() as tape:
            verdict = self.discriminator(self.generator(self.noise(n), training=True))
            g_loss = self.loss_fn(ops.zeros_like(verdict), verdict)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def main():
    nerve.utils.set_random_seed(0)
    rng = np.random.default_rng(0)

    x = rng.normal(size=(1024, 8)).astype(np.float32)
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2]).astype(np.float32)
    inputs = nerve.Input((8,))
    hidden = layers.Dense(32, activation="relu")(inputs)
    model = RegressionModel(inputs, layers.Dense(1)(hidden))
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=2)
    print("regression loss per epoch:", np.round(history.history["loss"], 4))

    angles = rng.uniform(0, 2 * np.pi, size=2048)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    discriminator = nerve.Sequential(
        [nerve.Input((2,)), layers.Dense(32, activation="relu"), layers.Dense(1)]
    )
    generator = nerve.Sequential(
        [nerve.Input((4,)), layers.Dense(32, activation="relu"), layers.Dense(2)]
    )
    gan = GAN(discriminator, generator, latent_dim=4)
    gan.compile(
        d_optimizer=nerve.optimizers.Adam(2e-3),
        g_optimizer=nerve.optimizers.Adam(2e-3),
        loss_fn=nerve.losses.BinaryCrossentropy(from_logits=True),
    )
    gan.fit(circle, batch_size=64, epochs=300, verbose=0)
    drawn = np.asarray(generator.predict(rng.normal(size=(512, 4)).astype(np.float32), verbose=0))
    radius = np.linalg.norm(drawn, axis=1)
    print(f"GAN: generated points' radius {radius.mean():.2f} +- {radius.std():.2f} (target 1)")


if __name__ == "__main__":
    main()
