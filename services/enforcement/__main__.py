"""`python -m services.enforcement [faust worker options]`: run one enforcer worker."""

import sys

from services.enforcement.agent import app

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    app.main()
