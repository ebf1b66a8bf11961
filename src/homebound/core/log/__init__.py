"""The transparency log: entries, Merkle tree, checkpoints and verification."""
