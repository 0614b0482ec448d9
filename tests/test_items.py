"""Invariant features of items and item pairs: exactly S_n x G-equivariant models."""

import numpy as np
import pytest
import torch

from symlearn import SymmetryDiscoveringRegressor, load, save
from symlearn._builders import AUTO_LR
from symlearn.datasets import make_charged_nbody
from symlearn.nn import MLP
from symlearn.reps import Points, Scalars, Tensor, Vectors
from symlearn.symmetrize import InvariantItemModel, item_model_sizes
from symlearn.testing import assert_group_equivariant, equivariance_error

NBODY_IN = Vectors(5, 3) + Vectors(5, 3) + Scalars(5)
NBODY_OUT = Vectors(5, 3)

#: input rep, output rep (None: two invariant outputs), group
LAYOUTS = {
    "nbody": (NBODY_IN, NBODY_OUT, "S_n x O(3)"),
    "nbody_special": (NBODY_IN, NBODY_OUT, "S_n x SO(3)"),
    "global_parts": (Vectors(4, 3) + Vectors(2, 3) + Scalars(3), None, "S_n x O(3)"),
    "item_and_global_outputs": (
        Vectors(4, 2) + Scalars(4) + Vectors(1, 2),
        Vectors(4, 2) + Scalars(4) + Vectors(2, 2) + Scalars(1),
        "S_n x SO(2)",
    ),
    "points": (Points(4, 3) + Vectors(4, 3), Vectors(4, 3), "S_n x E(3)"),
    "lorentz": (Vectors(3, 4), Scalars(1), "S_n x O(1,3)"),
    "global_output_only": (Vectors(3, 3) + Scalars(3), Vectors(1, 3), "S_n x O(3)"),
    "global_points": (Points(3, 3) + Points(2, 3), Scalars(1), "S_n x E(3)"),
}


def _model(rep, output_rep, group, n_items, dtype=torch.float64, seed=0):
    """An untrained item model of the named ``group`` with small networks."""
    torch.manual_seed(seed)
    d = rep.dim - rep.affine
    form = np.diag([1.0] + [-1.0] * (d - 1)) if "1,3" in group else np.eye(d)
    oriented = "SO" in group or "SE" in group
    sizes = item_model_sizes(rep, output_rep, n_items, d, oriented=oriented, n_outputs=2)
    networks = [
        None
        if sizes[name] is None or sizes[name][1] == 0
        else MLP(*sizes[name], hidden_sizes=(16,))
        for name in ("edge", "node", "pooled")
    ]
    model = InvariantItemModel(
        rep, output_rep, n_items, np.eye(d), form, *networks, oriented=oriented
    )
    return model.to(dtype)


@pytest.mark.parametrize("case", sorted(LAYOUTS))
def test_an_untrained_item_model_is_exactly_equivariant(case):
    rep, output_rep, group = LAYOUTS[case]
    n_items = rep.parts()[0].n
    X = torch.randn(24, rep.size, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    model = _model(rep, output_rep, group, n_items)
    if "1,3" in group:
        # No uniform distribution on O(1,3): boosts up to rapidity 1, as discovered groups are.
        from symlearn.lie import so_pq_generators

        with torch.no_grad():
            assert_group_equivariant(
                model, X, so_pq_generators(1, 3), rep, output_rep, reach=1.0, rtol=1e-9
            )
        return
    with torch.no_grad():
        assert_group_equivariant(model, X, group, rep, output_rep, rtol=1e-9)
        # A model of a plain MLP on the same rows is not: the check can fail.
        plain = MLP(rep.size, model(X).shape[1], hidden_sizes=(16,)).double()
        with pytest.raises(AssertionError, match="Not (equi|in)variant"):
            assert_group_equivariant(plain, X, group, rep, output_rep, rtol=1e-5)


def test_the_special_group_keeps_a_chiral_sign_that_the_orthogonal_group_loses():
    # A mirror flips det(p_i, v_i, p_j); only the oriented features see it.
    rep = Vectors(3, 3) + Vectors(3, 3)
    X = torch.randn(16, rep.size, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    mirror = torch.diag(torch.tensor([-1.0, 1.0, 1.0], dtype=torch.float64))
    mirrored = rep.act(mirror, X)
    for group, changes in (("S_n x O(3)", False), ("S_n x SO(3)", True)):
        model = _model(rep, None, group, 3)
        with torch.no_grad():
            difference = (model(mirrored) - model(X)).abs().max().item()
        assert (difference > 1e-6) == changes, (group, difference)


def test_every_global_vector_is_seen():
    # Two global vectors in one part: both enter the invariants.
    rep = Vectors(3, 3) + Vectors(2, 3)
    sizes = item_model_sizes(rep, None, 3, 3, oriented=False, n_outputs=1)
    assert sizes["n_node_features"] == 3 * 4 // 2  # products of the item's and 2 global vectors
    model = _model(rep, None, "S_n x O(3)", 3)
    X = torch.randn(8, rep.size, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    for columns in (slice(-6, -3), slice(-3, None)):
        moved = X.clone()
        moved[:, columns] *= 5.0
        with torch.no_grad():
            assert (model(moved) - model(X)).abs().max() > 1e-3


def test_item_sizes_follow_the_layout():
    sizes = item_model_sizes(NBODY_IN, NBODY_OUT, 5, 3, oriented=False)
    # Node: 3 products of (position, velocity) and the charge; pair: 4 products
    # and 2 squared distances; the edge network also gives 2 coefficients per pair.
    assert sizes["n_node_features"] == 4
    assert sizes["edge"] == (2 * 4 + 6, 32 + 2)
    assert sizes["node"] == (4 + 32, 2) and sizes["pooled"] is None
    oriented = item_model_sizes(NBODY_IN, None, 5, 3, oriented=True, n_outputs=1)
    assert oriented["edge"][0] == 2 * 4 + 6 + 4  # C(4, 3) determinants of a pair
    assert oriented["pooled"] == (4 + 32, 1) and oriented["node"] is None


@pytest.fixture(scope="module")
def nbody():
    X, y, _ = make_charged_nbody(360, random_state=0)
    return X[:300], y[:300], X[300:]


def test_a_named_s_n_x_o3_fit_is_exactly_equivariant_and_survives_save_and_load(nbody, tmp_path):
    X, y, X_test = nbody
    estimator = SymmetryDiscoveringRegressor(
        input_rep=NBODY_IN,
        output_rep=NBODY_OUT,
        symmetrize="invariant_features",
        group="S_n x O(3)",
        max_epochs=5,
        module__hidden_sizes=(32, 32),
        random_state=0,
    ).fit(X, y)
    assert isinstance(estimator.net_.module_.backbone, InvariantItemModel)
    assert estimator.net_.lr == AUTO_LR  # lr="auto" slows only InvariantModel's training
    # The charges are one shared feature per item; the speeds are all 0.5, so
    # the squared velocities vary by round-off only and must not be blown up.
    error = equivariance_error(
        estimator.predict, X_test, "S_n x O(3)", NBODY_IN, NBODY_OUT, relative=True, seed=0
    )
    assert error < 1e-5
    save(estimator, tmp_path / "nbody.symlearn")
    restored = load(tmp_path / "nbody.symlearn")
    np.testing.assert_array_equal(restored.predict(X_test), estimator.predict(X_test))


@pytest.mark.parametrize("group", ["S_n x SE(3)", "SE(3)"])
def test_a_fitted_model_stays_exact_where_an_invariant_vanishes_in_exact_arithmetic(group):
    # Two centred points are opposite: det(p_i, v_i, p_j) is zero but for
    # float32 round-off, which the standardization must not scale up (the
    # item model and, with "SE(3)", the invariant-feature model of all vectors).
    rep = Points(2, 3) + Vectors(2, 3)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, rep.size))
    P, V = X[:, :6].reshape(-1, 2, 3), X[:, 6:].reshape(-1, 2, 3)
    y = np.einsum("ni,ni->n", P[:, 0] - P[:, 1], V[:, 0] + V[:, 1])
    estimator = SymmetryDiscoveringRegressor(
        input_rep=rep,
        symmetrize="invariant_features",
        group=group,
        max_epochs=3,
        module__hidden_sizes=(16,),
        random_state=0,
    ).fit(X, y)
    error = equivariance_error(estimator.predict, X[:50], group, rep, None, relative=True, seed=0)
    assert error < 1e-5


@pytest.mark.parametrize(
    ("rep", "output_rep", "group", "message"),
    [
        (NBODY_IN, Tensor(3, 2), "S_n x O(3)", "Scalars and Vectors"),
        (NBODY_IN, NBODY_OUT, "S_n", "permutations of items alone"),
    ],
)
def test_unbuildable_item_models_fail_before_training(rep, output_rep, group, message):
    X = np.random.default_rng(0).normal(size=(40, rep.size))
    y = np.random.default_rng(1).normal(size=(40, output_rep.size))
    estimator = SymmetryDiscoveringRegressor(
        input_rep=rep,
        output_rep=output_rep,
        symmetrize="invariant_features",
        group=group,
        max_epochs=1,
    )
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)
    assert not hasattr(estimator, "n_features_in_")
