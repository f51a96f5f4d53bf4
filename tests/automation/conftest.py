"""The monitoring tests' pricing world (one weekly sales dataset, one pricing recipe) serves here too."""

from tests.monitoring.conftest import pricing_world  # noqa: F401
