"""`python -m services.gateway [faust worker options]`: run one gateway worker."""

import sys

from services.gateway.agent import gateway_app
from services.gateway.settings import GatewaySettings
from services.settings import ServiceSettings

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    gateway_app(ServiceSettings(), GatewaySettings()).main()
