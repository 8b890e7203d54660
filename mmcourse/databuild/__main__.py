"""`python -m mmcourse.databuild`: regenerate data/ and data/manifest.json."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
