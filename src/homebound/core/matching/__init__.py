"""Cross-script identity keys and comparators for matching persons across lists."""
