"""The kernel: what every app stands on (accounts, the record, notifications, the clock, FSM
glue, one-time form keys, money and the scoring rules). It imports no app above it; apps reach
in through the registries here (deadline sweeps, export sections, the contract lock)."""
