"""Targets used by the experiment tests; workers import them by name (module:attribute)."""

from __future__ import annotations

import time

import mesa
import numpy as np


def fails_above(*, seed: int, x: float, limit: float = 0.5) -> dict[str, float]:
    """Return x and a seeded draw; raise for x above the limit (an injected failure)."""
    if x > limit:
        raise RuntimeError(f"injected failure at x={x}")
    return {"x": x, "draw": float(np.random.default_rng(seed).random())}


def sleeps(*, seed: int, seconds: float) -> dict[str, float]:
    """Sleep, then return the time slept."""
    time.sleep(seconds)
    return {"slept": seconds}


def not_a_mapping(*, seed: int) -> list[float]:
    """Return the wrong type."""
    return [1.0]


class RandomWalk(mesa.Model):
    """A tiny Mesa model: one seeded random walk with a DataCollector, for non-commsim targets."""

    def __init__(self, *, drift: float = 0.0, rng=None) -> None:
        super().__init__(rng=rng)
        self.drift = drift
        self.position = 0.0
        self.datacollector = mesa.DataCollector(model_reporters={"position": "position"})
        self.datacollector.collect(self)

    def step(self) -> None:
        self.position += self.drift + float(self.rng.normal())
        self.datacollector.collect(self)


class SlowModel(mesa.Model):
    """Each step sleeps; for the per-run time limit of models."""

    def __init__(self, *, pause: float = 0.05, rng=None) -> None:
        super().__init__(rng=rng)
        self.pause = pause
        self.datacollector = mesa.DataCollector(model_reporters={"steps_done": lambda m: m.steps})
        self.datacollector.collect(self)

    def step(self) -> None:
        time.sleep(self.pause)
        self.datacollector.collect(self)


def nan_in(*, seed: int, x: float, mode: str = "value") -> dict[str, float]:
    """Return NaN for y in mode 'nan', else x plus seeded noise."""
    noise = float(np.random.default_rng(seed).random())
    return {"y": float("nan") if mode == "nan" else x + noise, "z": x}
