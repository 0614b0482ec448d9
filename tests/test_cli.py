import re

import pytest

from symlearn._cli import main


def test_default_run_prints_generators_and_scores(capsys):
    assert main(["--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "generator 0 (strength" in out
    similarity = float(re.search(r"similarity to the true algebra: ([\d.]+)", out).group(1))
    score = float(re.search(r"symmetry score \(held out\): +([\d.]+)", out).group(1))
    assert similarity >= 0.99 and score >= 0.9


def test_other_datasets_and_bad_arguments(capsys):
    assert main(["--dataset", "asymmetric", "--max-epochs", "3", "--no-progress"]) == 0
    assert "no continuous symmetry" in capsys.readouterr().out
    assert main(["--dataset", "nope"]) == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


@pytest.mark.slow  # a converged CNN, about 50 s; examples/rotated_digits.py runs by default
def test_digits_dataset_finds_the_rotation_of_the_image_plane(capsys):
    assert main(["--dataset", "digits", "--no-progress"]) == 0
    out = capsys.readouterr().out
    similarity = float(re.search(r"similarity to the true algebra: ([\d.]+)", out).group(1))
    accuracy = float(re.search(r"accuracy \(held out\): +([\d.]+)", out).group(1))
    assert similarity >= 0.9 and accuracy >= 0.85
