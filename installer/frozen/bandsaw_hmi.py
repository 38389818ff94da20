"""Entry script of the frozen build: `bandsaw-hmi`, the window without a console."""

import multiprocessing
import sys

from core.cli import hmi_main as main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
