"""python -m mpis.train with a gsnn preset: the release defaults without extra flags, the gsnn flags
reach the config, bad gsnn input is one stderr line with exit code 2 before any data is read, and a
run prints every layer's firing rate, writes JSON and checkpoints and resumes."""

import json

import pytest

from mpis import metric_names as names
from mpis.train import main
from mpis.training import training_run
from mpis.training.command_line import build_parser, config_from_arguments

GSNN_DIGITS = ["--preset", "gsnn_digits_cnn", "--dataset", "digits", "--batch-size", "32", "--lr", "0.01",
               "--limit-train", "64", "--limit-test", "30", "--depths", "1", "1", "1", "--threads", "1"]


def config_of(argv):
    return config_from_arguments(build_parser().parse_args(argv))


def test_a_gsnn_preset_starts_from_its_release_and_its_flags_reach_the_config():
    config = config_of(["--preset", "gsnn_fmnist_lstm", "--dataset", "fashion_mnist"])
    assert (config.model.gradient, config.model.simulation.time_steps, config.model.neuron.leak) == ("bptt", 1, 0.4)
    assert config.data.pad_to == 32 and config.train.gradient_clip == 20.0
    config = config_of(["--preset", "gsnn_digits_lstm", "--cell", "gru", "--bidirectional", "off", "--window-ratio",
                        "0.625", "--window-ratio-fallback", "0.75", "--window-schedule", "always_dilated",
                        "--fusion-mode", "product", "--theta", "0.7", "--region-threshold", "off", "--encoder",
                        "bernoulli_st", "--depths", "2", "1", "1", "--surrogate-width", "0.3", "--time-steps", "2",
                        "--v-threshold", "1.0", "--leak", "0.6"])
    gsnn = config.model.gsnn
    assert (gsnn.cell, gsnn.bidirectional, gsnn.window_ratio, gsnn.window_ratio_fallback) == ("gru", False, 0.625, 0.75)
    assert (gsnn.window_schedule, gsnn.fusion_mode, gsnn.theta, gsnn.region_threshold) == (
        "always_dilated", "product", 0.7, "off")
    assert (gsnn.encoder, gsnn.depths, gsnn.surrogate_width) == ("bernoulli_st", (2, 1, 1), 0.3)
    assert (config.model.simulation.time_steps, config.model.neuron.v_threshold) == (2, 1.0)
    assert config_of(["--preset", "ide_digits_f64c5"]).model.gradient == "implicit"  # other families unchanged


BAD_GSNN_INPUTS = {
    "implicit gradient": (["--gradient", "implicit"], "gradient='implicit' is invalid"),
    "unknown cell": (["--cell", "transformer"], "cell='transformer' is invalid"),
    "theta with mean fusion": (["--fusion-mode", "mean", "--theta", "0.3"], "theta=0.3 is invalid"),
    "bidirectional CNN": (["--bidirectional", "off"], "bidirectional=False is invalid"),
    "ratio out of range": (["--window-ratio", "0.4"], "--window-ratio: window_ratio=0.4 is invalid"),
    "unpadded fashion-mnist": (["--preset", "gsnn_fmnist_cnn", "--dataset", "fashion_mnist", "--pad-to", "30"],
                               "preset='gsnn_fmnist_cnn' is invalid for dataset='fashion_mnist'"),
}


@pytest.mark.parametrize("name", BAD_GSNN_INPUTS)
def test_bad_gsnn_input_is_one_line_and_exit_code_2_before_any_data_is_read(name, tmp_path, capsys, monkeypatch):
    flags, fragment = BAD_GSNN_INPUTS[name]
    monkeypatch.setattr(training_run, "build_dataloaders", lambda *a, **k: pytest.fail("data was read"))
    assert main(GSNN_DIGITS + flags + ["--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1, err


def test_an_on_off_flag_that_is_neither_is_one_line_and_exit_code_2(capsys):
    with pytest.raises(SystemExit) as exit_status:
        main(GSNN_DIGITS + ["--bidirectional", "maybe"])
    err = capsys.readouterr().err
    assert exit_status.value.code == 2 and "'maybe' is invalid; allowed: on or off" in err and err.count("\n") == 1


def test_a_gsnn_run_prints_layer_rates_writes_json_and_checkpoints_and_resumes(tmp_path, capsys):
    out, checkpoints = tmp_path / "out.json", tmp_path / "checkpoints"
    assert main(GSNN_DIGITS + ["--epochs", "1", "--json-out", str(out), "--checkpoint-dir", str(checkpoints)]) == 0
    first = json.loads(out.read_text())
    assert first["config"]["model.preset"] == "gsnn_digits_cnn" and first["config"]["model.gsnn.depths"] == [1, 1, 1]
    epoch = first["epochs"][0]
    assert {f"firing_rate_s0_l{k}" for k in range(1, 7)} <= set(epoch) and epoch[names.EPOCH_TIME_S] > 0
    assert main(GSNN_DIGITS + ["--epochs", "2", "--json-out", str(out), "--checkpoint-dir", str(checkpoints),
                               "--resume", first["checkpoint"]]) == 0
    second = json.loads(out.read_text())
    assert [m[names.EPOCH] for m in second["epochs"]] == [1, 2] and second["epochs"][0] == epoch
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("data: digits, 64 train / 30 test samples | model: gsnn_digits_cnn (bptt)")
    assert not any(line.startswith("calibrated") for line in lines)  # BPTT: no BN calibration
    progress = [line for line in lines if line.startswith("epoch ")]
    assert len(progress) == 2 and all(" MB | rate " in line and "(s0: " in line for line in progress)
    assert len(progress[0].split("(s0: ")[1].split(")")[0].split()) == 6  # one rate per LIF layer
