"""`python -m services.spam [faust worker options]`: run one spam detector worker."""

import sys

from services.spam.agent import app

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    app.main()
