"""Model presets (IDE, MPIS, BPTT baselines, gsnn) and the model classes they build."""

from mpis.models.registry import PRESETS, Preset, build_model, count_parameters, with_preset_defaults
from mpis.models.spiking_model import ModelOutput, SpikingModel

__all__ = ["PRESETS", "Preset", "build_model", "count_parameters", "ModelOutput", "SpikingModel", "with_preset_defaults"]
