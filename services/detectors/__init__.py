"""detectors: one worker hosting several detectors on one consumer of `generations.accepted`
(each event fetched and decoded once per process instead of once per detector). Which ones:
DETECTORS, a comma-separated list. Each keeps its own pipeline, state and judged marks, so
the same detectors can run this way or each as its own service (`make up` chooses by
STACK_TOPOLOGY)."""
