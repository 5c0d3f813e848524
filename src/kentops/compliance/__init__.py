"""Compliance: controls judged on collected evidence, mapped to a regulation's duties.

The pieces, in the order an audit uses them:

- ``catalog``: the control catalog (policies/controls/) and the duty catalogs
  (policies/regulations/), loaded and cross-checked with file:line errors.
- ``evidence``: collectors gather evidence into ``var/evidence/<site>/<run>/`` with hashes.
- ``checks``: one pure function per control; evidence in, findings out.
- ``engine``: evaluates every control on every subject it applies to, applies waivers and
  attestations, and maps the results to duties.
- ``report``: HTML, JSON, JUnit XML and OSCAL assessment-results.
"""
