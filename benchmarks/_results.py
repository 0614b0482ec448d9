"""Writing a benchmark's results: its figures and the machine they were measured on."""

import json
import platform
from pathlib import Path

import torch


def write_results(out, **figures):
    """Write ``figures`` and a description of the machine to the JSON file ``out``."""
    out = Path(out)
    out.parent.mkdir(exist_ok=True)
    machine = {
        "cpu_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }
    out.write_text(json.dumps({"machine": machine, **figures}, indent=2))
    print(f"\nwrote {out}")
