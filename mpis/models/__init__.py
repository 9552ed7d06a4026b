"""Model presets (IDE, MPIS, BPTT baselines) and the model class they all build."""

from mpis.models.registry import PRESETS, Preset, build_model, count_parameters
from mpis.models.spiking_model import ModelOutput, SpikingModel

__all__ = ["PRESETS", "Preset", "build_model", "count_parameters", "ModelOutput", "SpikingModel"]
