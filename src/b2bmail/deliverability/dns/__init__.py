"""What DNS says: `Answer` / `Status` / `Lookup` (answers), the async stub resolver
(resolver), its UDP sockets (transport) and the on-disk answer cache (cache).

dns/ is the only package that imports dnspython (`dns.*`), and it imports nothing from
records/, audit/ or sender/: everything above it speaks in `Answer`s through the `Lookup`
protocol, so tests can answer from a table (tests/deliverability/fakes.py).
"""
