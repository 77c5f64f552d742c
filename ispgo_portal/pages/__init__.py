"""Pages: components only; data comes from state classes."""
