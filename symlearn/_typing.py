"""Type aliases of the public signatures (annotations only; nothing here runs)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ArrayLike", "Float64Array", "Generators", "RandomState"]

#: Generators: one ``(d, d)`` matrix or a stack ``(k, d, d)``.
Generators: TypeAlias = ArrayLike

#: A seed, a NumPy random state, or ``None`` for fresh randomness.
RandomState: TypeAlias = "int | np.random.RandomState | None"

Float64Array: TypeAlias = NDArray[np.float64]
