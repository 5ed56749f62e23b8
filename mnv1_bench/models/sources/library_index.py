"""torchvision's and timm's model names with each one's own input size, kept in a cache file per installed
version of the two libraries, so that searching and suggesting names need not import them (seconds) again.

The file is ``$XDG_CACHE_HOME/mnv1-bench/names-torchvision-V-timm-V.json`` (``~/.cache/...`` without it); a
library that is not installed has no names, and a cache that cannot be written costs only the time.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import metadata
from pathlib import Path

from mnv1_bench.files import cache_folder, write_atomic
from mnv1_bench.models.sources import timm_nets, torchvision_nets
from mnv1_bench.models.sources.spec import shape_text

Index = dict[str, dict[str, str]]  # library prefix -> {model name: its own input, e.g. "224x224"}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def cache_path() -> Path:
    return cache_folder() / f"names-torchvision-{_version('torchvision')}-timm-{_version('timm')}.json"


@cache
def index(keep: bool = True) -> Index:
    """{"torchvision:": {"resnet50": "224x224", ...}, "timm:": {...}}, from the cache or the libraries; `keep`:
    write the cache when it was missing (a refused command leaves no file behind, so suggestions do not)."""
    path = cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if _complete(data):
            return data
    except (OSError, ValueError):
        pass
    data = {torchvision_nets.PREFIX: _torchvision(), timm_nets.PREFIX: _timm()}
    if not keep:
        return data
    try:
        write_atomic(path, json.dumps(data, indent=0))
    except OSError:
        pass  # an unwritable cache folder: the next search reads the libraries again
    return data


def _torchvision() -> dict[str, str]:
    try:
        sizes = {model: torchvision_nets.native_size(model) for model in torchvision_nets.names()}
    except ImportError:
        return {}
    return {model: f"{size}x{size}" for model, size in sizes.items()}


def _timm() -> dict[str, str]:
    try:
        return {m: shape_text(timm_nets.native_shape(m)) for m in timm_nets.names()}
    except ImportError:
        return {}


def _complete(data: object) -> bool:
    """Whether a cached index has both libraries' names, each a name -> input size map (a cache emptied or cut
    short would make every suggestion wrong: read the libraries again)."""
    prefixes = (torchvision_nets.PREFIX, timm_nets.PREFIX)
    if not (isinstance(data, dict) and all(isinstance(data.get(p), dict) for p in prefixes)):
        return False
    return all(isinstance(k, str) and isinstance(v, str) for p in prefixes for k, v in data[p].items())
