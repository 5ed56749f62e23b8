"""A network the tool can build, count and time, and the input it takes (``NAME@RES``, ``NAME@CxHxW``)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from mnv1_bench import paper
from mnv1_bench.errors import ModelNameError, Trouble, UsageProblem
from mnv1_bench.models.archs.mobilenet_range import MAX_RESOLUTION, resolution_problem

if TYPE_CHECKING:
    from torch import nn

    from mnv1_bench.models.archs.mobilenet import MobileNetConfig

Shape = tuple[int, int, int]  # one image: (channels, height, width)
Source = Literal["paper", "torchvision", "timm", "user"]
MAX_CHANNELS = 4096
_SUFFIX = re.compile(r"^(?P<name>.+?)@(?P<shape>\d+(?:x\d+){0,2})$", re.ASCII)


@dataclass(frozen=True)
class ModelSpec:
    """A network the tool can build, count and time. Two specs are equal when they name the same network."""

    name: str  # canonical name, e.g. "mobilenet-0.75-160"; resolve(name, num_classes) gives this spec back
    label: str  # as the paper writes it, e.g. "0.75 MobileNet-160"
    description: str
    input_size: int  # the input is input_size x input_size x 3, unless input_chw says otherwise
    num_classes: int
    build: Callable[[], nn.Module] = field(compare=False, repr=False)  # a fresh module with random weights
    mobilenet: MobileNetConfig | None = None  # MobileNet's knobs (alpha, resolution, ...); None for other nets
    input_chw: Shape | None = None  # (channels, height, width) where the input is not 3 x input_size x input_size
    source: Source = "paper"  # the paper's networks, a library's (torchvision, timm), or the user's own code

    @property
    def chw(self) -> Shape:
        return self.input_chw or (3, self.input_size, self.input_size)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """One image's input, batch first: (1, 3, 224, 224) for most networks."""
        return (1, *self.chw)

    @property
    def input_text(self) -> str:
        """ "224x224" for a 3-channel square image, else "CxHxW" (e.g. "1x28x28")."""
        return shape_text(self.chw)

    def paper_row(self) -> paper.PaperRow | None:
        """The paper's row for this exact network (same name and resolution, same classes), or None."""
        return paper.row_for(self.name, self.num_classes)

    def paper_rows(self) -> list[paper.PaperRow]:
        """Every printed row about this architecture and resolution, whatever classifier each describes."""
        return paper.rows_for(self.name)

    @contextmanager
    def running(self) -> Iterator[None]:
        """Build or run this network. A network from outside the tool that fails (a shape it cannot take, a
        factory that raises) is one line for the user; the paper's networks failing is a bug, shown as such."""
        if self.source == "paper":
            yield
            return
        with warnings.catch_warnings(record=True) as caught:  # a library's warnings: one line each, or none
            warnings.simplefilter("always")
            try:
                yield
            except UsageProblem:
                raise
            except Exception as error:
                text = str(error).strip().splitlines()
                why = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
                shape = "x".join(map(str, self.chw))
                hint = ""
                if "channels" in why:  # the usual cause: a network for another number of input channels
                    base = self.name.split("@")[0]
                    hint = f"; name the input it takes, e.g. {base}@1x{self.chw[1]}x{self.chw[2]}"
                raise ModelNameError(f"{self.name} did not run on a {shape} input: {why}{hint}") from None
        for said in dict.fromkeys(_first_line(w) for w in caught if not issubclass(w.category, Trouble)):
            warnings.warn(Trouble(f"{self.name}: {said}"), stacklevel=3)
        for w in caught:
            if issubclass(w.category, Trouble):
                warnings.warn(w.message, stacklevel=3)


def _first_line(caught: warnings.WarningMessage) -> str:
    lines = str(caught.message).strip().splitlines()
    return lines[0] if lines else caught.category.__name__


def shape_text(shape: Shape) -> str:
    channels, height, width = shape
    return f"{height}x{width}" if channels == 3 else f"{channels}x{height}x{width}"


def suffix(shape: Shape) -> str:
    """What a canonical name carries after "@" for an input other than the network's own: "160", "1x28x28"."""
    channels, height, width = shape
    return str(height) if channels == 3 and height == width else f"{channels}x{height}x{width}"


def split_suffix(name: str) -> tuple[str, Shape | None]:
    """ "torchvision:resnet50@160" -> ("torchvision:resnet50", (3, 160, 160)); a name without "@" -> (name, None)."""
    match = _SUFFIX.match(name)
    if match is None:
        return name, None
    return match["name"], parse_shape(match["shape"], name)


def parse_shape(text: str, name: str = "") -> Shape:
    """ "1,28,28" or "1x28x28" -> (1, 28, 28); after "@" in `name`, also "160" -> (3, 160, 160). Without a name,
    `text` is the input_shape parameter, and a refusal says so."""
    where = "{name!r}" if name else "{input_shape}"
    parts = [p.strip() for p in re.split(r"[x,]", text.strip().lower())]
    counts = (1, 3) if name else (3,)
    if not all(p.isascii() and p.isdigit() for p in parts) or len(parts) not in counts:
        form = "RES or CxHxW" if name else "C,H,W"
        raise ModelNameError.about(where + ": an input shape is {form} in whole numbers, got {text!r}", name=name,
                                   form=form, text=text)  # fmt: skip
    if len(parts) == 1:
        return square(int(parts[0]), name)
    channels, height, width = (int(p) for p in parts)
    if not (1 <= channels <= MAX_CHANNELS and 1 <= height <= MAX_RESOLUTION and 1 <= width <= MAX_RESOLUTION):
        raise ModelNameError.about(where + ": channels must be 1 to {channels:,} and height and width 1 to "
                                   "{size:,}, got {text!r}", name=name, channels=MAX_CHANNELS,
                                   size=MAX_RESOLUTION, text=text)  # fmt: skip
    return (channels, height, width)


def square(resolution: int, name: str = "") -> Shape:
    """3 x RES x RES, with RES in the range MobileNet's resolution takes; a refusal names `name`, as
    :func:`parse_shape` does, or else the resolution parameter."""
    if problem := resolution_problem(resolution):
        where = "{name!r}" if name else "{resolution}"
        raise ModelNameError.about(where + ": {problem}", name=name, problem=problem)
    return (3, resolution, resolution)
