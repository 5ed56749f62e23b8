"""Run files: where measured rows are kept (`runs`: one JSON Lines file per run, created exclusively, each row
synced as it finishes) and how they are read back and checked.

May import: the loose modules (environment, errors, files) only. The store knows the shape of a saved row, not how
it was measured: :mod:`mnv1_bench.timing` writes through it and :mod:`mnv1_bench.choose` and
:mod:`mnv1_bench.tables` read through it.
"""
