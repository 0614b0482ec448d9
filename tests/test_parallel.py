"""Model selection in parallel: loky and Dask give the same search, without oversubscription."""

import os

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from symlearn import SymmetryDiscoveringRegressor
from symlearn.datasets import make_rotation_invariant_regression

GRID = {"symmetry_weight": [0.0, 1.0]}


def _torch_threads():
    return torch.get_num_threads()


@pytest.fixture(scope="module")
def search():
    X, y, _ = make_rotation_invariant_regression(300, noise=0.1, random_state=0)
    estimator = SymmetryDiscoveringRegressor(max_epochs=15, random_state=0)
    return lambda n_jobs: GridSearchCV(estimator, GRID, cv=2, n_jobs=n_jobs).fit(X, y)


@pytest.fixture(scope="module")
def loky(search):
    return search(2)


def test_loky_search_matches_the_sequential_one_and_limits_threads(search, loky):
    sequential = search(None)
    assert loky.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(
        loky.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
    # joblib's loky workers get cores // n_jobs threads each.
    threads = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(_torch_threads)() for _ in range(2)
    )
    assert max(threads) <= max(1, (os.cpu_count() or 1) // 2)


def test_dask_local_cluster_search_matches_loky(search, loky):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with joblib.parallel_backend("dask"):
            dask = search(-1)
        # Dask's workers run torch on one thread each: 2 workers, 2 threads in all.
        assert set(client.run(_torch_threads).values()) == {1}
    assert dask.best_params_ == loky.best_params_
    np.testing.assert_array_equal(
        dask.cv_results_["mean_test_score"], loky.cv_results_["mean_test_score"]
    )
