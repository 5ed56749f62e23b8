"""Inputs for static int8 quantization: a folder of images, or a fixed seeded synthetic set.

Static post-training quantization picks each activation's int8 range from the values the network produces on
calibration inputs. Images from ``--calibration DIR`` are read with PIL, resized (shorter side to size / 0.875)
and centre-cropped to the model's resolution, and normalised with ImageNet's mean and std, as the ImageNet
evaluations of MobileNet do. Without a folder the set is seeded standard-normal noise (what normalised images
look like to the first layer, in scale), the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    import torch

SYNTHETIC_SEED = 0
SYNTHETIC_INPUTS = 16
MAX_IMAGES = 64  # the first 64 images by name: enough for min/max ranges, quick to quantize with
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".ppm", ".tif", ".tiff"})
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CROP_FRACTION = 0.875  # 224 of 256: the usual ImageNet evaluation crop


@dataclass(frozen=True)
class CalibrationSet:
    inputs: torch.Tensor  # N x 3 x size x size, float32
    description: str  # for the row's settings: "calibration: synthetic seed 0, 16 inputs"


def synthetic(size: int, count: int = SYNTHETIC_INPUTS, seed: int = SYNTHETIC_SEED) -> CalibrationSet:
    import torch

    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn((count, 3, size, size), generator=generator)
    return CalibrationSet(inputs, f"calibration: synthetic seed {seed}, {count} inputs")


def image_files(folder: str) -> list[Path]:
    """The image files directly in `folder` (by suffix), sorted by name; UsageProblem when there are none."""
    path = Path(folder)
    if not path.is_dir():
        raise UsageProblem.about("{calibration} {folder}: not a folder", folder=folder)
    try:
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    except OSError as error:
        raise UsageProblem.about(
            "{calibration} {folder}: cannot list it ({why})", folder=folder, why=error.strerror or error
        ) from None
    if not files:
        raise UsageProblem.about(
            "{calibration} {folder}: no images in it (looked for {suffixes})",
            folder=folder,
            suffixes=", ".join(sorted(IMAGE_SUFFIXES)),
        )
    return files[:MAX_IMAGES]


@lru_cache(maxsize=8)
def from_folder(folder: str, size: int) -> CalibrationSet:
    """The folder's images at `size` x `size`, normalised; UsageProblem (one line) for an unreadable image."""
    import torch
    from PIL import Image, UnidentifiedImageError
    from torchvision.transforms import v2

    transform = v2.Compose([
        v2.PILToTensor(), v2.Resize(round(size / CROP_FRACTION), antialias=True), v2.CenterCrop(size),
        v2.ToDtype(torch.float32, scale=True), v2.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])  # fmt: skip
    images = []
    for file in image_files(folder):
        try:
            with Image.open(file) as image:
                images.append(transform(image.convert("RGB")))
        except (OSError, UnidentifiedImageError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise UsageProblem.about(
                "{calibration}: cannot read {file} as an image ({reason})", file=file, reason=reason
            ) from None
    return CalibrationSet(torch.stack(images), f"calibration: {folder} ({len(images)} images)")


def calibration_set(folder: str | None, size: int) -> CalibrationSet:
    """The images of `folder` at the model's resolution, or the synthetic set when `folder` is None."""
    return synthetic(size) if folder is None else from_folder(folder, size)
