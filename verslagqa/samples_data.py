"""Where the bundled sample verslagen live (in a wheel or in a source checkout)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["samples_dir"]


def samples_dir() -> Path:
    """Folder with the five bundled VWS sample verslagen."""
    repo = Path(__file__).resolve().parent.parent / "samples" / "verslagen"
    if repo.is_dir():
        return repo
    return Path(str(resources.files("verslagqa.samples")))
