"""`python -m services.spam [faust worker options]`: run one spam detector worker."""

import sys

from services.detector_agent import detectors_app
from services.settings import ServiceSettings
from services.spam.agent import spec

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    detectors_app("spam", ServiceSettings(), [spec()]).main()
