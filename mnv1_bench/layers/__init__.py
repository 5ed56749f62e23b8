"""Where a network's time and int8 precision go, layer by layer: measured time per conv/FC layer (`timing`), the
frames Table 2 and `mnv1-bench layers` show (`frames`), and each layer's int8 signal-to-noise ratio
(`quant_error`).

May import: counting, timing, models, the paper and the loose modules; never choose, tables or cli.
"""
