"""Functions with known answers, to check the experiment runner and its analysis.

Each is a target a spec can name (``commsim.experiments.reference:ishigami``): it takes
its inputs and a seed as keywords and returns a dict of outputs. Their Sobol indices are
known in closed form, so a Saltelli sweep over them must recover those numbers.
"""

from __future__ import annotations

import math
import time

import numpy as np

# Ishigami and Homma (1990) with a = 7, b = 0.1 on x1, x2, x3 ~ U(-pi, pi).
ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1


def ishigami(*, seed: int, x1: float, x2: float, x3: float, noise: float = 0.0) -> dict[str, float]:
    """The Ishigami function, optionally with Gaussian noise drawn from the seed.

    ``y = sin(x1) + a sin(x2)^2 + b x3^4 sin(x1)``.

    Args:
        seed: Seeds the noise.
        x1: First input, usually uniform on (-pi, pi); the same for ``x2`` and ``x3``.
        x2: Second input.
        x3: Third input.
        noise: Standard deviation of additive noise.

    Returns:
        ``{"y": value}``.
    """
    value = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
    if noise:
        value += noise * float(np.random.default_rng(seed).standard_normal())
    return {"y": value}


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, dict[str, float]]:
    """The analytic first-order and total Sobol indices of the Ishigami function.

    Args:
        a: The coefficient of ``sin(x2)^2``.
        b: The coefficient of ``x3^4 sin(x1)``.

    Returns:
        ``{"first": {x1: S1, ...}, "total": {x1: ST1, ...}}``.
    """
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    return {
        "first": {"x1": v1 / variance, "x2": v2 / variance, "x3": 0.0},
        "total": {"x1": (v1 + v13) / variance, "x2": v2 / variance, "x3": v13 / variance},
    }


def linear(*, seed: int, noise: float = 0.0, **inputs: float) -> dict[str, float]:
    """A weighted sum ``y = sum_i (i + 1) * x_i`` of inputs taken in name order, plus noise.

    With independent inputs of equal variance its first-order and total indices are both
    ``(i + 1)^2 / sum_j (j + 1)^2``.

    Args:
        seed: Seeds the noise.
        noise: Standard deviation of additive noise.
        **inputs: The inputs.

    Returns:
        ``{"y": value}``.
    """
    value = sum((weight + 1) * inputs[name] for weight, name in enumerate(sorted(inputs)))
    if noise:
        value += noise * float(np.random.default_rng(seed).standard_normal())
    return {"y": value}


def trade_off(
    *, seed: int, x: float, y: float, mode: str = "plain", noise: float = 0.0, delay_s: float = 0.0
) -> dict[str, float]:
    """A benefit that costs: ``benefit = sqrt(x) - y`` (``- 0.1`` if ``mode`` is not "plain"), ``cost = x``.

    Maximising the benefit and minimising the cost has a known Pareto front: ``y = 0``,
    plain mode, and ``benefit = sqrt(cost)`` for every cost; a bound ``cost <= c`` cuts it
    at ``c``. Used to check the design search.

    Args:
        seed: Seeds the noise.
        x: In 0-1.
        y: In 0-1; any value above 0 only loses benefit.
        mode: "plain", or another choice that loses 0.1 of benefit.
        noise: Standard deviation of additive noise on the benefit.
        delay_s: Seconds to wait before answering (a slow run, to test interruptions).

    Returns:
        ``benefit`` and ``cost``, and for searches over more objectives ``balance``
        (benefit minus cost) and ``spread`` (``|x - y|``).
    """
    if delay_s:
        time.sleep(delay_s)
    benefit = math.sqrt(max(x, 0.0)) - y - (0.0 if mode == "plain" else 0.1)
    if noise:
        benefit += noise * float(np.random.default_rng(seed).standard_normal())
    return {"benefit": benefit, "cost": x, "balance": benefit - x, "spread": abs(x - y)}
