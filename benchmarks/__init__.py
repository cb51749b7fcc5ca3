"""Timing and memory runs, with their own command; never part of the test run."""
