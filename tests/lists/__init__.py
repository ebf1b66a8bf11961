"""Tests of list files: headers, readers, validation and writers."""
