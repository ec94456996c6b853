"""``python -m qualitylib``: the command line."""
from .cli import main

raise SystemExit(main())
