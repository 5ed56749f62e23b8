"""Choosing a network: `pick` (the most accurate network under a latency budget), its `candidates` and the
`latencies` it times and reuses, `proxy` (how well mult-adds predict latency) and `sweep` (the width x resolution
grid of Figures 4 and 5).

May import: layers, timing, the store, counting, models, the paper and the loose modules; never tables or cli.
"""
