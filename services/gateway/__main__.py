"""`python -m services.gateway [faust worker options]`: run one gateway worker."""

import sys

from services.gateway.agent import app

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    app.main()
