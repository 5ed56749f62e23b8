"""The paper's Tables 1 to 14 reproduced: each a pure function of the code returning a PaperTable
(a DataFrame plus its notes), and the writer that puts them, the figures and an index under ``tables/``.
"""

from __future__ import annotations

from mnv1_bench.tables.applications import APPLICATION_TABLES, application_table
from mnv1_bench.tables.base import Column, PaperTable
from mnv1_bench.tables.body import table1, table2, table3
from mnv1_bench.tables.comparisons import COMPARED_TABLES, comparison_table, required_models
from mnv1_bench.tables.costs import count_all, spec_and_cost

__all__ = [
    "APPLICATION_TABLES",
    "application_table",
    "COMPARED_TABLES",
    "Column",
    "PaperTable",
    "all_tables",
    "comparison_table",
    "spec_and_cost",
    "count_all",
    "required_models",
    "table1",
    "table2",
    "table3",
]


def all_tables() -> list[PaperTable]:
    """Tables 1 to 14, in order, from the per-process count cache (counting whatever is not cached yet)."""
    return (
        [table1(spec_and_cost), table2(spec_and_cost), table3()]
        + [comparison_table(n, spec_and_cost) for n in COMPARED_TABLES]
        + [application_table(n, spec_and_cost) for n in APPLICATION_TABLES]
    )
