"""`python -m services.misrepresentation [faust worker options]`: run one worker."""

import sys

from services.misrepresentation.agent import app

if __name__ == "__main__":
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info", "--without-web"]
    app.main()
