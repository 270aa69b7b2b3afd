"""The HTTP service, its command side, the catalogue and the `custom-fields` CLI."""
