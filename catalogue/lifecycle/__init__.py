"""Maintaining metric definitions: checking records, moving them through their lifecycle and
keeping an immutable snapshot of every published version (docs/maintaining-metrics.md).

Lifecycle: draft -> proposed -> approved -> published -> retired or superseded. Only metrics that
have been published reach the public catalogue. Publishing writes
`metrics/history/{slug}/v{n}.yaml`, a byte-for-byte copy of the record as published, and its
SHA-256 in `metrics/history/{slug}/SHA256SUMS` (the `sha256sum` format, so the snapshots can also
be verified with that tool). A snapshot is never rewritten; `check` reports any that changed.

Every operation first computes the new file contents, checks them, and only then writes, so a
refused operation leaves every file byte-identical.

Where each part lives: `records` (the record, its problems and its schema), `versions` (published
snapshots and what changed between them), `checks` (every rule a record must keep), `editing`
(changing one field without losing the layout), `operations` (new, propose, approve, publish, retire)
and `public` (what reaches the catalogue).
"""
