r"""Energy of one inference, estimated from its operation counts (the convention of the SNN literature).

.. math::
    E_\mathrm{SNN} = E_\mathrm{AC} \cdot N_\mathrm{AC} + E_\mathrm{MAC} \cdot N_\mathrm{MAC}, \qquad
    E_\mathrm{ANN} = E_\mathrm{MAC} \cdot N_\mathrm{MAC}^\mathrm{dense}, \qquad
    \mathrm{ratio} = E_\mathrm{ANN} / E_\mathrm{SNN}

``N_AC`` are the synaptic operations driven by spikes (one weight added per spike and target) and
``N_MAC`` the multiply-accumulates of the ops whose input is analog (stem, first layer on static
images, fusion of currents, the analog part of the head), both counted from the simulated spikes
by :mod:`mpis.snn.operation_count`. ``N_MAC^dense`` is the same network as a dense ANN: every
synaptic op evaluated once, densely, as multiply-accumulates (an equilibrium ANN would iterate its
feedback several times, so this is a lower bound of the ANN's cost and the ratio is conservative).

Constants: Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm
CMOS at 0.9 V. A MAC is one multiplication plus one addition, an AC one addition, of the preset's
number format:

======  =================================  ==========================
preset  E_MAC (pJ)                         E_AC (pJ)
======  =================================  ==========================
fp32    4.6 (3.7 mult + 0.9 add)           0.9 (the values the field uses)
fp16    1.5 (1.1 mult + 0.4 add)           0.4
int8    0.23 (0.2 mult + 0.03 add)         0.03
======  =================================  ==========================

**Limits** (say them where the figure is used): this is arithmetic only. Memory traffic (weights,
membrane potentials, spikes; usually the larger share on real hardware), neuron updates (leak,
threshold, reset), BatchNorm (folded into the weights at inference), biases, additions of fusion
paths and routing/control are not counted, nor any sparsity overhead.

>>> round(energy_uj(synaptic_ops=1e6, macs=1e5), 4)  # 1e6 x 0.9 pJ + 1e5 x 4.6 pJ = 1.36 uJ
1.36
>>> round(energy_uj(synaptic_ops=1e6, macs=0, preset="int8"), 4)
0.03
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EnergyConstants:
    mac_pj: float  # one multiply-accumulate
    ac_pj: float  # one accumulate (a spike-driven synaptic operation)


ENERGY_PRESETS: dict[str, EnergyConstants] = {  # Horowitz, ISSCC 2014, 45 nm
    "fp32": EnergyConstants(mac_pj=4.6, ac_pj=0.9),
    "fp16": EnergyConstants(mac_pj=1.5, ac_pj=0.4),
    "int8": EnergyConstants(mac_pj=0.23, ac_pj=0.03),
}
DEFAULT_ENERGY_PRESET = "fp32"


def energy_constants(preset: str) -> EnergyConstants:
    """The constants of ``preset``; a one-line ``ValueError`` for an unknown one."""
    if preset not in ENERGY_PRESETS:
        raise ValueError(f"energy_preset={preset!r} is invalid; allowed: {', '.join(ENERGY_PRESETS)}")
    return ENERGY_PRESETS[preset]


def energy_uj(*, synaptic_ops: float, macs: float, preset: str = DEFAULT_ENERGY_PRESET) -> float:
    """``E_AC * synaptic_ops + E_MAC * macs`` in microjoules."""
    constants = energy_constants(preset)
    return (constants.ac_pj * synaptic_ops + constants.mac_pj * macs) * 1e-6
