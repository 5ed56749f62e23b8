"""TF-Slim's table of released MobileNet v1 checkpoints: ImageNet top-1 of every width x resolution grid point.

The MobileNet paper prints the accuracy of only 8 of its 16 grid models (Tables 6, 7 and 9); the other 8 are
cited from this table, as printed, and labelled as this source. These are the float checkpoints of the
2018-02-22 release, evaluated on ILSVRC-2012 with a single crop; they were retrained after the paper, so where
both print a number they differ slightly (70.9 here against the paper's 70.6 for 1.0 MobileNet-224), which is
why the paper's number is cited wherever it prints one.
"""

from __future__ import annotations

SOURCE = "TF-Slim MobileNet v1 checkpoints"  # the short label every cited accuracy carries
URL = "https://github.com/tensorflow/models/blob/master/research/slim/nets/mobilenet_v1.md"
CITATION = f"TF-Slim's table of released MobileNet v1 checkpoints (float, 2018-02-22; ILSVRC-2012, single crop), {URL}"

# Registry name -> top-1 (%) as printed, from the rows "MobileNet_v1_ALPHA_RES" (the *_quant rows are the
# 8-bit checkpoints, not these networks). Columns left out: Million MACs, Million Parameters, Top-5.
TOP1: dict[str, float] = {
    "mobilenet-1.0-224": 70.9,
    "mobilenet-1.0-192": 70.0,
    "mobilenet-1.0-160": 68.0,
    "mobilenet-1.0-128": 65.2,
    "mobilenet-0.75-224": 68.4,
    "mobilenet-0.75-192": 67.2,
    "mobilenet-0.75-160": 65.3,
    "mobilenet-0.75-128": 62.1,
    "mobilenet-0.5-224": 63.3,
    "mobilenet-0.5-192": 61.7,
    "mobilenet-0.5-160": 59.1,
    "mobilenet-0.5-128": 56.3,
    "mobilenet-0.25-224": 49.8,
    "mobilenet-0.25-192": 47.7,
    "mobilenet-0.25-160": 45.5,
    "mobilenet-0.25-128": 41.5,
}
