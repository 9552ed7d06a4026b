"""The release's weight initialisation (``_init_weights`` of the Sequencer2D fork), by module name.

* the classifier ``head``: weight and bias zero (so every logit starts at 0);
* other linear layers: Xavier-uniform weights; biases N(0, 1e-6) inside channel MLPs, else zero;
* convolutions: timm's ``lecun_normal_`` of the release's era (timm 0.5/0.6): a normal with
  std = sqrt(1 / fan_in) / 0.8796, truncated to (-2, 2) in absolute units, which for these fan-ins
  cuts nothing (0.8796 is the std of N(0, 1) truncated to (-2, 2), the correction meant for a cut at
  2 std that later timm versions make); zero bias;
* LSTM / GRU / RNN: every weight and bias uniform on (-1/sqrt(h), 1/sqrt(h)).
"""

from __future__ import annotations

import math

from torch import nn

TRUNCATED_NORMAL_STD = 0.87962566103423978  # std of N(0, 1) truncated to (-2, 2)


def lecun_normal_(weight) -> None:
    """LeCun initialisation in place as timm 0.5/0.6's ``lecun_normal_`` (bounds +-2, absolute)."""
    fan_in = weight[0].numel()
    nn.init.trunc_normal_(weight, std=math.sqrt(1.0 / fan_in) / TRUNCATED_NORMAL_STD, a=-2.0, b=2.0)


def _init_linear(module: nn.Linear, name: str) -> None:
    if name == "head":
        nn.init.zeros_(module.weight)
        nn.init.zeros_(module.bias)
        return
    nn.init.xavier_uniform_(module.weight)
    if module.bias is not None:
        if "mlp" in name:
            nn.init.normal_(module.bias, std=1e-6)
        else:
            nn.init.zeros_(module.bias)


def init_release_weights(model: nn.Module) -> None:
    """Initialise every linear, convolutional and recurrent layer of ``model`` as the release does."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            _init_linear(module, name)
        elif isinstance(module, nn.Conv2d):
            lecun_normal_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, (nn.LSTM, nn.GRU, nn.RNN)):
            bound = 1.0 / math.sqrt(module.hidden_size)
            for weight in module.parameters():
                nn.init.uniform_(weight, -bound, bound)
