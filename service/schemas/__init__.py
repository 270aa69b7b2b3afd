"""Marshmallow schemas: each validation rule of the two APIs, written once."""
