"""The scripts in examples/ run and report what they promise."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def _run(name, cwd=None):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# so(2) and so(3) recovery is asserted by test_discovery and test_regressor in the
# default suite; running the whole script (about 90 s) is kept for the slow run.
@pytest.mark.slow
@pytest.mark.parametrize("name", ["discover_rotations.py"])
def test_discover_rotations_example(name):
    out = _run(name)
    so2, so3 = (float(v) for v in re.findall(r"similarity to so\(\d\): ([\d.]+)", out))
    assert so2 >= 0.99 and so3 >= 0.95


def test_model_selection_example():
    out = _run("model_selection.py")
    assert "best parameters: {'clf__augment':" in out
    match = re.search(r"accuracy ([\d.]+), symmetry score ([\d.]+)", out)
    assert match, out
    accuracy, symmetry = float(match.group(1)), float(match.group(2))
    assert accuracy > 0.85 and symmetry > 0.9


def test_plot_symmetry_example_reports_and_saves_figures(tmp_path):
    out = _run("plot_symmetry.py", cwd=tmp_path)
    assert "Symmetry: so(2), dimension 1" in out
    assert (tmp_path / "discovered_generators.png").stat().st_size > 0
    assert (tmp_path / "orbits.png").stat().st_size > 0


def test_equivariant_orbits_example():
    out = _run("equivariant_orbits.py")
    assert "discovering: so(2), similarity to so(2): 1.0000" in out or re.search(
        r"discovering: so\(2\), similarity to so\(2\): 0\.99\d\d", out
    ), out
    plain, discovering, candidates = (
        float(v) for v in re.findall(r"rotated-orbit test MSE ([\d.e+-]+)", out)
    )
    assert discovering < plain / 10 and candidates < plain / 10
    weights = re.search(r"weights \{'rotation': ([\d.]+), 'scaling': ([\d.]+)\}", out)
    assert float(weights.group(1)) == 1.0 and float(weights.group(2)) < 0.05


def test_rotated_digits_example(tmp_path):
    out = _run("rotated_digits.py", cwd=tmp_path)
    assert "Symmetry: so(2)" in out and re.search(r"rotation (9\d|100)%", out), out
    similarity = float(re.search(r"similarity of L0 to the rotation: ([\d.]+)", out).group(1))
    plain, symlearn = (
        float(re.search(rf"{name}: test accuracy ([\d.]+)", out).group(1))
        for name in ("plain CNN", "symlearn")
    )
    assert similarity >= 0.9 and symlearn > plain + 0.03
    assert (tmp_path / "digit_generators.png").stat().st_size > 0
    assert (tmp_path / "digit_orbits.png").stat().st_size > 0


def test_symmetrize_nbody_example():
    out = _run("symmetrize_nbody.py")
    found = dict(re.findall(r"(plain MLP|symmetrized MLP): test MSE [\d.]+, largest "
                            r"equivariance deviation ([\d.e+-]+)", out))
    assert float(found["symmetrized MLP"]) < 1e-4 < float(found["plain MLP"])
    match = re.search(r"discovered so\(2\); predictions change by ([\d.e+-]+)", out)
    assert match and float(match.group(1)) < 1e-4, out
