"""Tests of the cross-script matching keys and comparators."""
