"""`python -m services.detectors [faust worker options]`: one worker, several detectors."""

import sys

from services.detectors.agent import build_app
from services.detectors.settings import DetectorsSettings

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    build_app(DetectorsSettings()).main()
