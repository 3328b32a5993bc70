"""Content safety: the guidelines' other disallowed uses (violence, self-harm, sexual content and
minors, hate, harassment, misinformation, privacy attacks, unsupervised medical use), judged on
the prompt and on the generation by pluggable classifiers (`classifier.py`): the built-in local
model (`local.py`) or a served one (`served.py`)."""
