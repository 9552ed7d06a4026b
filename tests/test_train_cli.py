"""python -m mpis.train: every bad input of requirement 8 is one stderr line and exit code 2, before
any data is read (9e); a good run prints progress, writes JSON and checkpoints, and resumes."""

import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from mpis import metric_names as names
from mpis.train import main

REPO = Path(__file__).resolve().parents[1]
DIGITS = ["--preset", "ide_digits_f64c5", "--dataset", "digits", "--data-dir", "relative/data",
          "--time-steps", "3", "--batch-size", "64",
          "--limit-train", "128", "--limit-test", "50", "--threads", "1"]

BAD_INPUTS = {
    "unknown dataset": (["--dataset", "imagenet"], ["--dataset", "dataset='imagenet' is invalid", "digits"]),
    "unknown model": (["--preset", "resnet50"], ["--preset", "preset='resnet50' is invalid", "ide_fmnist_f400"]),
    "T < 1": (["--time-steps", "0"], ["--time-steps", "time_steps=0", "an integer >= 1"]),
    "zero learning rate": (["--lr", "0"], ["--lr", "learning_rate=0.0", "a number > 0"]),
    "negative learning rate": (["--lr", "-0.1"], ["--lr", "learning_rate=-0.1", "a number > 0"]),
    "batch size of one": (["--batch-size", "1"], ["--batch-size", "batch_size=1", "an integer >= 2"]),
    "infinite threshold": (["--v-threshold", "inf"], ["--v-threshold", "v_threshold=inf", "a finite number > 0"]),
    "unknown BN mode": (["--hidden-bn", "frozen"], ["--hidden-bn", "hidden_bn='frozen'", "running"]),
    "stream count for an IDE preset": (["--preset", "ide_fmnist_f400", "--streams", "2"],
                                       ["streams=2", "an IDE network, not MPIS"]),
    "preset for another shape": (["--preset", "ide_mnist_f64c5", "--dataset", "cifar10"],
                                 ["preset='ide_mnist_f64c5'", "dataset='cifar10'", "(3, 32, 32)",
                                  "ide_cifar10_alexnetf"]),
    "MPIS N-MNIST without crop": (["--preset", "mpis_nmnist", "--dataset", "nmnist"],
                                  ["preset='mpis_nmnist'", "(2, 34, 34)", "crop_nmnist=True", "--crop-nmnist"]),
    "CUDA on a CPU machine": (["--device", "cuda"], ["device='cuda'", "CUDA is not available"]),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_code_2_before_any_data_is_read(name, tmp_path, capsys):
    argv, fragments = BAD_INPUTS[name]
    if name == "CUDA on a CPU machine" and __import__("torch").cuda.is_available():
        pytest.skip("this machine has CUDA")
    with mock.patch("mpis.training.trial.build_dataloaders", side_effect=AssertionError("data was read")):
        code = main(argv + ["--data-dir", str(tmp_path / "data")])
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1 and error.startswith("python -m mpis.train: error: ")
    assert all(fragment in error for fragment in fragments), error
    assert not (tmp_path / "data").exists()


def test_missing_data_is_one_line_and_exit_code_2_before_training(tmp_path, capsys):
    with mock.patch("torchvision.datasets.MNIST.download", side_effect=OSError("offline")), \
            mock.patch("mpis.training.fit.train_one_epoch", side_effect=AssertionError("trained")):
        code = main(["--preset", "ide_mnist_f64c5", "--dataset", "mnist", "--data-dir", str(tmp_path)])
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1
    assert "'mnist'" in error and str(tmp_path / "MNIST" / "raw") in error and "t10k-images-idx3-ubyte" in error


def test_unknown_flags_and_unparsable_values_are_one_line_with_exit_code_2(capsys):
    for argv in (["--epochs", "many"], ["--learning-rate", "0.1"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_the_module_runs_as_a_command_and_exits_2_on_bad_input():
    result = subprocess.run([sys.executable, "-m", "mpis.train", "--time-steps", "0"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("python -m mpis.train: error: --time-steps: time_steps=0 is invalid; "
                             "allowed: an integer >= 1\n")


def test_a_run_prints_progress_writes_json_and_checkpoints_and_resumes(tmp_path, capsys, monkeypatch):
    out, checkpoints = tmp_path / "out.json", tmp_path / "checkpoints"
    monkeypatch.chdir(tmp_path)
    assert main(DIGITS + ["--epochs", "1", "--json-out", str(out), "--checkpoint-dir", str(checkpoints)]) == 0
    first = json.loads(out.read_text())
    assert first["status"] == "done" and first["config"]["model.simulation.time_steps"] == 3
    assert Path(first["config"]["data.data_dir"]).is_absolute()
    assert [m[names.EPOCH] for m in first["epochs"]] == [1] and first["checkpoint"].endswith("epoch_0001")
    assert main(DIGITS + ["--epochs", "2", "--json-out", str(out), "--checkpoint-dir", str(checkpoints),
                          "--resume", first["checkpoint"]]) == 0
    second = json.loads(out.read_text())
    assert [m[names.EPOCH] for m in second["epochs"]] == [2] and second["epochs_run"] == 1
    assert second["best_test_accuracy"] == max(first["epochs"][0][names.TEST_ACCURACY],
                                               second["epochs"][0][names.TEST_ACCURACY])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("epoch 1/1 loss") and lines[2].startswith("epoch 2/2 loss")
    assert lines[-1].startswith("best test accuracy")
    assert sorted(p.name for p in checkpoints.iterdir()) == ["epoch_0001", "epoch_0002"]
