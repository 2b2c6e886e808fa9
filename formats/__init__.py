"""Document formats and real redaction.

Works on bytes: sniffing media types (:mod:`.media`), planning redactions (:mod:`.plan`),
burning them into fresh pixels (:mod:`.burn`), stripping metadata (:mod:`.sanitize`) and
checking the result independently (:mod:`.verify`). What each step does and does not handle is
written down in docs/redaction.md.
"""
