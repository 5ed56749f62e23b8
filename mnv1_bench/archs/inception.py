"""Inception V3 (Szegedy et al. 2015, "Rethinking the Inception Architecture"), 299x299 input.

Built by torchvision, whose ``inception_v3`` follows the paper's Figure 5-7 modules (with batch norm, as
the paper's "BN-auxiliary" model has); the auxiliary classifier is left out because it only trains.
"""

from __future__ import annotations

from torch import nn

INPUT_SIZE = 299


def build_inception_v3(num_classes: int = 1000) -> nn.Module:
    from torchvision.models import inception_v3  # torchvision is slow to import: only when needed

    return inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=num_classes)
