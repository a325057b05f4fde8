"""`python -m issgraph` is the `issgraph` command."""
from .cli import main

raise SystemExit(main())
