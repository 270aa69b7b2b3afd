"""The command side: validated input -> invariants checked in the write transaction -> events.

Every command is a synchronous function run by the event store's writer with a
`WriteTransaction`; it reads current state through `tx.conn`, raises a `DomainError`
when an invariant would break, and appends the events that record the change.
"""
