"""`python -m services.content_safety [faust worker options]`: run one worker."""

import sys

from services.content_safety.agent import spec
from services.detector_agent import detectors_app
from services.settings import ServiceSettings

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    detectors_app("content_safety", ServiceSettings(), [spec()]).main()
