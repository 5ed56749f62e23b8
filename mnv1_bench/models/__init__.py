"""Networks by name: the names users type (`registry`), where a network comes from (`sources`: the paper's own,
``torchvision:NAME``, ``timm:NAME``, ``FILE.py:FACTORY``), the architectures as tables mirroring their papers
(`archs`), and the list `mnv1-bench models` prints (`catalog`).

May import: :mod:`mnv1_bench.paper` and the loose modules (errors, files, formatting's neighbours). Nothing here
counts or times: a spec builds a module; :mod:`mnv1_bench.counting` prices it.
"""
