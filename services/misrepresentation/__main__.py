"""`python -m services.misrepresentation [faust worker options]`: run one worker."""

import sys

from services.detector_agent import detectors_app
from services.misrepresentation.agent import spec
from services.settings import ServiceSettings

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    detectors_app("misrepresentation", ServiceSettings(), [spec()]).main()
