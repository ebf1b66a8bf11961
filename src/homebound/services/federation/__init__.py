"""Federation use cases: a node's identity and pinned peers, packages sealed, sent, verified and received."""
