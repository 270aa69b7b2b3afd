"""Uniqueness keys: how two names (or two option values) are told to be the same.

Names are unique within a (category, model) and option values within a field, without
regard to case. The command computes the key with these functions and records it in
the event; the projector stores what the event carries, and values are matched to
options with the same function, so the rule is written once.
"""


def name_key(name: str) -> str:
    return name.strip().casefold()


def option_key(value: str) -> str:
    return value.strip().casefold()
