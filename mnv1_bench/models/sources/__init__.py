"""Where networks come from beyond the paper's own: torchvision and timm by name, and a user's own code.

Each module imports its library only when a name from it is looked up or built, so that listing the
sources (`mnv1-bench models`) starts without torch.
"""

TORCHVISION_PREFIX = "torchvision:"  # torchvision:NAME, e.g. torchvision:resnet50
TIMM_PREFIX = "timm:"  # timm:NAME, e.g. timm:mobilenetv3_small_050
