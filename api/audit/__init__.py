"""The append-only audit log: who viewed, changed, decided or exported what, and when."""
