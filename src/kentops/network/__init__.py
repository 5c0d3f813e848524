"""Network devices as they run: connections, backup with history, masking, facts.

``connect`` builds Nornir hosts (lab or real) with timeouts and credentials; ``mask`` removes
secrets and volatile lines; ``backup`` is the git history; ``operations`` and ``facts`` read
devices; ``collectors`` hand what was read to the audit. ``isapi`` and ``cameras`` read
and configure Hikvision cameras and recorders.
"""
