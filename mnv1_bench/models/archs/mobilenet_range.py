"""The values MobileNet's two knobs may take, and how a width multiplier is spelled in a model's name.

Kept apart from the builder (and from torch) so that the command line can quote the limits in its help texts
without importing torch at start-up.
"""

from __future__ import annotations

# The paper's widest network is 1.0 (Table 6). Four times that ends in 4,096 channels: 54.5M weights and 8.7G
# mult-adds, about VGG16's size, still built and counted in seconds. The bound stops a slip such as 40 for 0.40
# from building a network too large for memory.
MAX_ALPHA = 4.0

# Table 1 halves the feature map five times (the first conv and four separable rows have stride 2), 224 -> 7.
# At 32 x 32 the last maps are 1 x 1; a smaller input would only be padding.
MIN_RESOLUTION = 32
# Counting needs shapes only (the meta device): any resolution is counted in seconds. Timing needs the activations
# (the first conv's output alone is 4,096 x 4,096 x 32 floats, 2 GiB, at 8,192) and checks free memory first.
MAX_RESOLUTION = 8192

# Widths change only at multiples of 1/1024 (every channel count of Table 1 is a power of two up to 1,024,
# and width() truncates), so alphas 0.0001 apart already reach every network; four decimal places suffice.
ALPHA_DECIMALS = 4


def format_alpha(alpha: float) -> str:
    """The spelling of a width multiplier in names and labels, with no exponent, that reads back as exactly
    ``alpha``: 1.0 -> "1.0", 0.75 -> "0.75", 2.5 -> "2.5", 4 -> "4.0" (the paper writes 1.0, 0.75, 0.5).

    Raises ValueError where no spelling with at most ALPHA_DECIMALS decimal places reads back as ``alpha``.
    """
    for places in range(1, ALPHA_DECIMALS + 1):
        text = f"{alpha:.{places}f}"
        if float(text) == alpha:
            return text
    raise ValueError(f"alpha {alpha!r} cannot be written with at most {ALPHA_DECIMALS} decimal places")


def alpha_problem(alpha: float) -> str | None:
    """Why ``alpha`` cannot name a MobileNet, in one line for users; None where it can."""
    if not 0 < alpha <= MAX_ALPHA:
        return f"alpha must be in (0, {MAX_ALPHA:g}], got {alpha:g}"
    try:
        format_alpha(alpha)
    except ValueError:
        return (
            f"alpha must have at most {ALPHA_DECIMALS} decimal places (widths change only in steps of 1/1024), "
            f"got {alpha!r}"
        )
    return None


def resolution_problem(resolution: int) -> str | None:
    """Why ``resolution`` cannot be MobileNet's input size, in one line for users; None where it can."""
    if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        return f"resolution must be an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}, got {resolution}"
    return None
