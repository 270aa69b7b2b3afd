"""HTTP handlers, one module per area, each with its own `routes` table."""
