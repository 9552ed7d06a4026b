"""python -m mpis.train: every bad input is one stderr line and exit code 2, before any data is read;
a good run says what it loaded, prints progress, writes JSON and checkpoints (the latest and the
best), and resumes with every epoch, old and new, in its JSON; --help needs no torch."""

import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from mpis import metric_names as names
from mpis.train import main

REPO = Path(__file__).resolve().parents[2]
DIGITS = ["--preset", "ide_digits_f64c5", "--dataset", "digits", "--data-dir", "relative/data",
          "--time-steps", "3", "--batch-size", "64",
          "--limit-train", "128", "--limit-test", "50", "--threads", "1"]

BAD_INPUTS = {
    "unknown dataset": (["--dataset", "imagenet"], ["--dataset", "dataset='imagenet' is invalid", "digits"]),
    "unknown model": (["--preset", "resnet50"], ["--preset", "preset='resnet50' is invalid", "ide_fmnist_f400"]),
    "T < 1": (["--time-steps", "0"], ["--time-steps", "time_steps=0", "an integer in 1..10000"]),
    "T beyond any use": (["--time-steps", "100000"], ["--time-steps", "time_steps=100000", "an integer in 1..10000"]),
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
    "unknown energy preset": (["--energy-preset", "fp64"], ["--energy-preset", "energy_preset='fp64'", "int8"]),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_code_2_before_any_data_is_read(name, tmp_path, capsys):
    argv, fragments = BAD_INPUTS[name]
    if name == "CUDA on a CPU machine" and __import__("torch").cuda.is_available():
        pytest.skip("this machine has CUDA")
    with mock.patch("mpis.training.training_run.build_dataloaders", side_effect=AssertionError("data was read")):
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


def test_the_module_runs_as_a_command_and_exits_2_on_bad_input(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mpis.train", "--time-steps", "0"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("python -m mpis.train: error: --time-steps: time_steps=0 is invalid; "
                                    "allowed: an integer in 1..10000") and result.stderr.count("\n") == 1


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
    assert [m[names.EPOCH] for m in second["epochs"]] == [1, 2] and second["epochs_run"] == 1
    assert second["epochs"][0] == first["epochs"][0]  # the resumed run's JSON keeps the earlier epoch
    accuracies = [m[names.TEST_ACCURACY] for m in second["epochs"]]
    assert second["best_test_accuracy"] == max(accuracies)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("data: digits, 128 train / 50 test samples | model: ide_digits_f64c5 (implicit), "
                               "114,443 parameters, T=3 | device: cpu")
    assert lines[1].startswith("calibrated the hidden BN statistics on 128 training samples")
    assert lines[2].startswith("epoch 1/1 loss") and lines[3].startswith("best test accuracy")
    assert lines[5] == f"resumed from {first['checkpoint']} after epoch 1" and lines[6].startswith("epoch 2/2 loss")
    assert lines[-1].startswith("best test accuracy")
    assert sorted(p.name for p in checkpoints.iterdir()) == ["best", "epoch_0001", "epoch_0002"]
    best_epoch = json.loads((checkpoints / "best" / "metrics.json").read_text())[names.EPOCH]
    assert accuracies[best_epoch - 1] == max(accuracies) and accuracies.index(max(accuracies)) == best_epoch - 1


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


OUTPUT_AND_RESUME_INPUTS = {  # name -> (flags given a tmp path, fragments of the one error line)
    "zero threads": (lambda tmp: ["--threads", "0"], ["--threads=0 is invalid; allowed: an integer >= 1"]),
    "json-out is a directory": (lambda tmp: ["--json-out", str(tmp)], ["--json-out=", "it is a directory"]),
    "json-out under a file": (lambda tmp: ["--json-out", str(_write_text(tmp / "a_file", "x") / "out.json")],
                              ["--json-out=", "a path this user can write"]),
    "json-out unwritable": (lambda tmp: ["--json-out", "/sys/mpis/out.json"], ["--json-out=/sys/mpis/out.json",
                                                                               "a path this user can write"]),
    "checkpoint-dir is a file": (lambda tmp: ["--checkpoint-dir", str(_write_text(tmp / "f", "x"))],
                                 ["--checkpoint-dir=", "it is a file"]),
    "checkpoint-dir unwritable": (lambda tmp: ["--checkpoint-dir", "/sys/mpis"], ["--checkpoint-dir=/sys/mpis",
                                                                                  "a path this user can write"]),
    "truncated checkpoint": (lambda tmp: ["--resume", str(_truncated_checkpoint(tmp))],
                             ["resume_from=", "checkpoint.pt cannot be read"]),
    "foreign checkpoint": (lambda tmp: ["--resume", str(_foreign_checkpoint(tmp))],
                           ["resume_from=", "is not a checkpoint of mpis.training.fit (it lacks"]),
    "text as checkpoint": (lambda tmp: ["--resume", str(_write_text(tmp / "c" / "checkpoint.pt", "hello").parent)],
                           ["resume_from=", "checkpoint.pt cannot be read"]),
}


def _truncated_checkpoint(tmp: Path) -> Path:
    import torch

    folder = tmp / "truncated"
    folder.mkdir()
    torch.save({"model": torch.zeros(1000)}, folder / "checkpoint.pt")
    data = (folder / "checkpoint.pt").read_bytes()
    (folder / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    return folder


def _foreign_checkpoint(tmp: Path) -> Path:
    import torch

    folder = tmp / "foreign"
    folder.mkdir()
    torch.save({"state_dict": {"weight": torch.zeros(3)}, "epoch": 7}, folder / "checkpoint.pt")
    return folder


@pytest.mark.parametrize("name", OUTPUT_AND_RESUME_INPUTS)
def test_unusable_outputs_and_checkpoints_are_one_line_and_exit_2_before_any_data(name, tmp_path, capsys):
    flags, fragments = OUTPUT_AND_RESUME_INPUTS[name]
    argv = DIGITS + ["--epochs", "1"] + flags(tmp_path)
    with mock.patch("mpis.training.training_run.build_dataloaders", side_effect=AssertionError("data was read")):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's own one-line error (flag values)
            code = exit_.code
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1 and "error: " in error, error
    assert all(fragment in error for fragment in fragments), error


def test_help_answers_without_importing_torch(tmp_path):
    probe = ("import sys\nfrom mpis.train import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "assert 'torch' not in sys.modules, 'torch was imported'\nprint('ok')")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr
    assert "--jacobian-reg" in result.stdout and "--hidden-bn" in result.stdout
