"""Infinitesimal symmetry of a differentiable model (the LieSD / LieGG view).

A linear action with generator ``L`` leaves ``f`` invariant to first order
when ``J_f(x) d rho(L) x = 0`` for every ``x``. The condition is linear in
``L``: writing ``L = sum_a c_a B_a`` over a basis ``B`` of the search space,
each row ``x`` and output ``o`` contributes the linear form
``c -> sum_a c_a [J_f(x) d rho(B_a) x]_o``. Averaging the outer products of
these forms over the data gives a positive semi-definite Gram matrix ``G``
on coefficient space; its near-null eigenvectors span the symmetry algebra
the model has learned, and ``c^T G c`` measures how far a direction is from
being a symmetry. ``G`` is divided by the variance of the outputs, so that
``sqrt(c^T G c)`` for a unit generator is the root-mean-square rate at which
the outputs change along it, in standard deviations of the outputs per unit
of group parameter: a scale-free relative invariance error.

For an equivariant target, ``f(g x) = rho_out(g) f(x)``, the condition is
``J_f(x) d rho_in(L) x - d rho_out(L) f(x) = 0``, again linear in ``L``,
and everything above holds with that residual in place of the derivative.
"""

import numpy as np
import torch

from ..lie import as_generator_stack

__all__ = [
    "infinitesimal_gram",
    "relative_invariance_errors",
    "symmetry_spectrum",
]


def _jacobian_products(function, x, tangents):
    """``f(x)`` (n, o) and ``J_f(x) v_a`` (n, o, k) for the tangents ``v`` (n, k, size) of each row.

    Rows are independent (the model is in eval mode), so one backward pass
    of an output summed over rows gives every row's gradient of it. That
    costs one pass per output; the double-backward trick costs two per
    direction, so whichever is cheaper is used.
    """
    x = x.clone().requires_grad_(True)
    outputs = function(x)
    outputs = outputs.reshape(len(x), -1)
    n_outputs, n_directions = outputs.shape[1], tangents.shape[1]
    if n_outputs <= 2 * n_directions:
        gradients = torch.stack(
            [
                torch.autograd.grad(outputs[:, o].sum(), x, retain_graph=True)[0]
                for o in range(n_outputs)
            ],
            dim=1,
        )
        products = torch.einsum("nof,naf->noa", gradients, tangents)
        return outputs.detach().cpu(), products.detach().cpu()
    # J v = d/du <J^T u, v>: the backward pass is linear in u.
    u = torch.zeros_like(outputs, requires_grad=True)
    (pullback,) = torch.autograd.grad(outputs, x, grad_outputs=u, create_graph=True)
    products = [
        torch.autograd.grad(pullback, u, grad_outputs=tangents[:, a], retain_graph=True)[0]
        for a in range(n_directions)
    ]
    return outputs.detach().cpu(), torch.stack(products, dim=2).detach().cpu()


def _directional_derivatives(function, X, rep, generators, batch_size, output_rep):
    """Equivariance residual rates (n, o, k) for every row, output and generator, and f(x).

    The residual of a generator ``L`` at ``x`` is
    ``J_f(x) d rho_in(L) x - d rho_out(L) f(x)``; the second term vanishes
    for invariant targets.
    """
    generators = torch.as_tensor(generators, dtype=torch.float32)
    chunks, values = [], []
    for start in range(0, len(X), batch_size):
        x = torch.as_tensor(X[start : start + batch_size], dtype=torch.float32)
        # Inputs, tangents and the results stay on the CPU; only the
        # function's own forward pass runs wherever its parameters live.
        outputs, derivatives = _jacobian_products(function, x, rep.tangent(generators, x))
        if output_rep is not None:
            derivatives = derivatives - output_rep.tangent(generators, outputs).transpose(1, 2)
        values.append(outputs.double())
        chunks.append(derivatives.double())
    return torch.cat(chunks).numpy(), torch.cat(values).numpy()


def infinitesimal_gram(function, X, rep, basis, *, output_rep=None, batch_size=512):
    """Gram matrix ``G`` of the first-order invariance (or equivariance) conditions.

    Parameters
    ----------
    function : callable
        Differentiable torch function mapping a float32 tensor of shape
        ``(n, n_features)`` to outputs of shape ``(n, n_outputs)``, with
        independent rows.
    X : array-like of shape (n_samples, n_features)
        Points at which the conditions are imposed.
    rep : symlearn.reps.Rep
        How a generator acts on a row.
    basis : array-like of shape (m, d, d)
        Basis of the search space; ``G`` is expressed in its coefficients.
    output_rep : symlearn.reps.Rep, default=None
        How a generator acts on the outputs, for equivariance
        ``f(g x) = rho_out(g) f(x)``. ``None`` tests invariance.
    batch_size : int, default=512

    Returns
    -------
    gram : ndarray of shape (m, m)
        ``G_ab = mean_x sum_o D_a D_b / sum_o Var(f_o)`` with
        ``D_a = [J_f(x) d rho(B_a) x - d rho_out(B_a) f(x)]_o``.
    """
    basis = as_generator_stack(basis, name="basis")
    derivatives, outputs = _directional_derivatives(
        function, np.asarray(X), rep, basis, batch_size, output_rep
    )
    flat = derivatives.reshape(-1, len(basis))
    variance = np.sum(np.var(outputs, axis=0))
    # A constant model changes along no direction: every invariance is exact.
    return flat.T @ flat / max(len(derivatives), 1) / (variance if variance > 0 else 1.0)


def symmetry_spectrum(gram, basis):
    """Directions of the search space ordered from most to least symmetric.

    Parameters
    ----------
    gram : ndarray of shape (m, m)
        From :func:`infinitesimal_gram`, for an orthonormal ``basis``.
    basis : array-like of shape (m, d, d)
        Orthonormal basis of the search space.

    Returns
    -------
    errors : ndarray of shape (m,)
        Relative invariance error ``sqrt(c^T G c)`` of each unit direction,
        increasing: 0 is an exact symmetry of the model.
    directions : ndarray of shape (m, d, d)
        The matching unit-norm generators.
    """
    basis = as_generator_stack(basis, name="basis")
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    errors = np.sqrt(np.clip(eigenvalues, 0.0, None))
    directions = np.einsum("ak,aij->kij", eigenvectors, basis)
    return errors, directions


def relative_invariance_errors(gram, basis, generators):
    """Relative invariance error of given generators.

    Parameters
    ----------
    gram : ndarray of shape (m, m)
        From :func:`infinitesimal_gram` with the same orthonormal ``basis``.
    basis : array-like of shape (m, d, d)
    generators : array-like of shape (k, d, d)
        Generators to rate; only their component in the search space counts.

    Returns
    -------
    errors : ndarray of shape (k,)
        ``sqrt(c^T G c) / |c|``: the root-mean-square rate of change of the
        outputs along the unit generator, in output standard deviations per
        unit of group parameter. 0 for an exact symmetry of the model.
    """
    basis = as_generator_stack(basis, name="basis")
    generators = as_generator_stack(generators)
    if len(generators) == 0:
        return np.zeros(0)
    coefficients = np.einsum("kij,aij->ka", generators, basis)
    norms = np.einsum("ka,ka->k", coefficients, coefficients)
    quadratic = np.einsum("ka,ab,kb->k", coefficients, gram, coefficients)
    return np.sqrt(np.clip(quadratic, 0.0, None) / np.maximum(norms, 1e-300))
