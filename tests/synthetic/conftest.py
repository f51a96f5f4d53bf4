"""Fixtures of the synthetic domain; registers the ``gpu`` marker for the CUDA checks."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA device (skipped without one)")
