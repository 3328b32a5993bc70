"""`python -m services.enforcement [faust worker options]`: run one enforcer worker."""

import sys

from services.enforcement.agent import enforcement_app
from services.enforcement.settings import EnforcementSettings
from services.settings import ServiceSettings

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    enforcement_app(ServiceSettings(), EnforcementSettings()).main()
