"""`python -m services.approval [faust worker options]`: run one approval detector worker."""

import sys

from services.approval.agent import spec
from services.detector_agent import detectors_app
from services.settings import ServiceSettings

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    detectors_app("approval", ServiceSettings(), [spec()]).main()
