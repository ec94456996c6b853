"""``python -m qualitylib``: the command line."""
from .batch.cli import main

raise SystemExit(main())
