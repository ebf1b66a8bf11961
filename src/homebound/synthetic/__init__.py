"""Synthetic people and exchange lists, written the way each side writes them, with ground truth."""
