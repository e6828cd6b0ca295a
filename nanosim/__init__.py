"""nanosim: nano power diplomacy versus high politics, as an agent-based model."""
