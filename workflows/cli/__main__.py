"""`python -m workflows.cli` = the `workflows` command."""
import sys

from workflows.cli import main

sys.exit(main())
