"""
Rotated handwritten digits: discover the rotation and use it
============================================================

Discover the rotation symmetry of turned handwritten digits, and use it.

Trains the default CNN on scikit-learn's bundled 8x8 digits, turned by
random angles in a 12x12 frame, once plainly and once discovering the
symmetry; prints the discovered motion, compares test accuracies (with and
without test-time augmentation) and saves two figures: the discovered 3x3
generator and a grid of digits moved along it.

Run ``python examples/rotated_digits.py`` (needs matplotlib: the ``plot`` extra).
"""

import matplotlib

matplotlib.use("Agg")

from symlearn import SymmetryDiscoveringClassifier  # noqa: E402
from symlearn.datasets import make_rotated_digits  # noqa: E402
from symlearn.metrics import lie_algebra_similarity  # noqa: E402
from symlearn.plotting import plot_generators, plot_image_orbits  # noqa: E402
from symlearn.reps import Image  # noqa: E402

# Train and test digits come from disjoint halves of the bundled set.
X, y, rotation = make_rotated_digits(1000, angles=180, split="train", random_state=0)
X_test, y_test, _ = make_rotated_digits(1000, angles=180, split="test", random_state=1)

clf = SymmetryDiscoveringClassifier(input_rep=Image(12, 12), random_state=0).fit(X, y)
plain = SymmetryDiscoveringClassifier(input_rep=Image(12, 12), augment=False, random_state=0)
plain.fit(X, y)

print(clf.describe_symmetry())
similarity = lie_algebra_similarity(clf.discovered_generators_[:1], rotation)
print(f"similarity of L0 to the rotation: {similarity:.3f}")
print(f"plain CNN: test accuracy {plain.score(X_test, y_test):.3f}")
print(f"symlearn: test accuracy {clf.score(X_test, y_test):.3f}")
tta = (clf.predict(X_test, test_time_augmentation=8) == y_test).mean()
print(f"symlearn with 8 views of test-time augmentation: test accuracy {tta:.3f}")

axes = plot_generators(clf, axis_labels=["x", "y", "1"])
axes[0].figure.savefig("digit_generators.png", bbox_inches="tight")
axes = plot_image_orbits(clf, X_test, n_images=3)
axes[0, 0].figure.savefig("digit_orbits.png", bbox_inches="tight")
print("saved digit_generators.png and digit_orbits.png")
