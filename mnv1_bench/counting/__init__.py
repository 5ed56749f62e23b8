"""What a network costs: mult-adds in the paper's convention, fvcore's all-ops total, parameters and weights.

Convention (the MobileNet paper's): one mult-add is one multiply-accumulate of a convolution (grouped and
depthwise convolutions counted per group), of a fully connected layer, or of attention's two matrix products
(Q·Kᵀ and attention·V, per head); biases, batch norm, activations, pooling and softmax are not counted. FLOPs,
where shown, are 2 x mult-adds. Params are every learnable parameter; weights are the weight tensors of the
mult-add layers (conv, FC, attention projections): see docs/conventions.md.

Counting runs the network once on the meta device: shapes only, no activations, the same integers at any
resolution. fvcore's default total (which also prices batch norm, adaptive pooling, upsampling and other norms
with its own formulas) is reported beside ours, so a user can see why tools disagree.

A module marked ``repeats = N`` (Faster R-CNN's box classifier, once per proposal) is run on one input and its
counts multiplied by N: mult-adds are linear in the number of runs; its parameters are counted once.
"""

from mnv1_bench.counting.cost import Cost, LayerCost, layer_type
from mnv1_bench.counting.network import count, count_module
from mnv1_bench.counting.ops import EXCLUDED_BY_CONVENTION, MULT_ADD_OPS

__all__ = ["EXCLUDED_BY_CONVENTION", "MULT_ADD_OPS", "Cost", "LayerCost", "count", "count_module", "layer_type"]
