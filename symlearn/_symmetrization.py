"""The estimators' side of probabilistic symmetrization: which group, and wrapping the backbone."""

from .reps._image import has_image
from .symmetrize import (
    EquivariantFrameNet,
    ItemLayout,
    RandomFrameSampler,
    RotationOrbitSampler,
    Symmetrized,
    parse_group,
)

__all__ = ["SymmetrizationMixin"]


class SymmetrizationMixin:
    """Builds the symmetrized backbone of ``symmetrize="probabilistic"``.

    Mixed into :class:`~symlearn._base.BaseSymmetryDiscoverer`, whose
    parameters ``symmetrize``, ``group``, ``n_group_samples`` and
    ``n_group_samples_test`` it reads.
    """

    def get_symmetrized(self, backbone, sampler, input_layout, output_layout, translations):
        """Return ``backbone`` wrapped by probabilistic symmetrization.

        A :class:`~symlearn.symmetrize.Symmetrized` module drawing
        ``n_group_samples`` group elements per row in training and
        ``n_group_samples_test`` when predicting.
        """
        return Symmetrized(
            backbone,
            sampler,
            input_layout,
            output_layout,
            translations=translations,
            n_samples=self.n_group_samples,
            n_samples_eval=self.n_group_samples_test,
        )

    def _known_group(self, rep):
        """The group to symmetrize over from the start, or None (none, or "discovered")."""
        if self.symmetrize is None:
            return None
        if self.group == "discovered":
            if has_image(rep) or rep.affine:
                kind = "an Image" if has_image(rep) else "a Points"
                raise ValueError(
                    f'group="discovered" symmetrizes over discovered rotations of vectors; '
                    f"input_rep={rep!r} has {kind} part. Name a group for points (e.g. "
                    f'group="E(3)"), or fit without symmetrize.'
                )
            return None
        return parse_group(self.group, rep)

    def _build_backbone(self, n_inputs, n_outputs, rep, output_rep):
        """The backbone from :meth:`get_backbone`, symmetrized over a known ``group``."""
        backbone = self.get_backbone(n_inputs, n_outputs, input_rep=rep)
        return self._symmetrize_known(backbone, rep, output_rep)

    def _symmetrize_known(self, backbone, rep, output_rep):
        """``backbone`` wrapped over a named ``group``; as it is otherwise."""
        group = self._known_group(rep)
        if group is None:
            return backbone
        layout = ItemLayout(rep, group.n_items)
        outputs = None if output_rep is None else ItemLayout(output_rep, group.n_items)
        sampler = EquivariantFrameNet(group, layout)
        return self.get_symmetrized(backbone, sampler, layout, outputs, group.translations)

    def _discovered_sampler(self):
        """The sampler over the discovered group, in model coordinates; raises if unsupported."""
        rep = self.input_rep_  # vectors only: _known_group refused Points and images
        generators = self._to_model(self.discovered_generators_)
        layout = ItemLayout(rep)
        d = rep.dim
        # The nearest rotation generator (the antisymmetric part) of a compact
        # one-parameter algebra: its group is exact, and closes into orbits.
        if len(generators) == 1 and self.algebra_.compact:
            return RotationOrbitSampler(0.5 * (generators[0] - generators[0].T), layout)
        if self.algebra_.name == f"so({d})":
            return RandomFrameSampler(layout, d)
        raise ValueError(
            f'symmetrize="probabilistic" with group="discovered" needs the discovered '
            f"algebra to be one rotation or all of so({d}); it is {self.algebra_.name} "
            f"({self.n_generators_} generators). Name the group instead (group=...), or "
            f"fit without symmetrize."
        )

    def _symmetrize_discovered(self, module):
        """Wrap the fitted backbone of ``module`` over the discovered group, if asked to."""
        if self.symmetrize is None or self.group != "discovered" or self.n_generators_ == 0:
            return
        sampler = self._discovered_sampler()
        layout = ItemLayout(self.input_rep_)
        outputs = None if self.output_rep_ is None else ItemLayout(self.output_rep_)
        module.backbone = self.get_symmetrized(module.backbone, sampler, layout, outputs, False)

