"""Best-time simulator and harness: ``python -m bench.besttime [--quick]``."""
