"""Entry script of the frozen build: the `bandsaw` command (console)."""

import multiprocessing
import sys

from core.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # joblib/loky workers re-enter the frozen executable
    sys.exit(main())
