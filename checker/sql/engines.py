"""Running the compiled query: DuckDB in-process, Spark through pyspark.

Both take an Arrow table of cases (`cases.case_table`, or any table with the fact columns and
`_row`) and give the decisions table back as Arrow. Spark runs with ANSI SQL on, so an integer
overflow stops the query instead of wrapping, and in UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from ruleproof.checker import ir
from ruleproof.checker.sql.cases import ROW
from ruleproof.checker.sql.compile import compile_query

if TYPE_CHECKING:  # tables come in and go out as Arrow; Parquet to Parquet on DuckDB needs no pyarrow
    import pyarrow as pa

SOURCE = "cases"


def duckdb_query(pack: ir.Pack, names: Sequence[str] | None, source: str = SOURCE, keep: Sequence[str] = (ROW,),
                 present: Collection[str] = ()) -> str:
    """The query text for DuckDB (`present`: facts whose column holds no NULL)."""
    return compile_query(pack, names, source, keep, present).sql("duckdb", copy=False)


def never_null(pack: ir.Pack, cases: pa.Table) -> set[str]:
    """The facts whose column in `cases` holds no NULL (the query need not test their absence)."""
    return {f for f in pack.facts if f in cases.column_names and cases.column(f).null_count == 0}


def duckdb_connection(progress: bool = False):
    """An in-process DuckDB connection; with `progress`, DuckDB draws its progress bar on the
    terminal during long queries."""
    import duckdb

    con = duckdb.connect()
    if progress:
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = true")
    return con


def decide_duckdb(pack: ir.Pack, cases: pa.Table, names: Sequence[str] | None = None, connection=None) -> pa.Table:
    """Decide every row of `cases` in one DuckDB query; the decisions table, in row order."""
    con = connection if connection is not None else duckdb_connection()
    con.register(SOURCE, cases)
    try:
        return con.sql(duckdb_query(pack, names, present=never_null(pack, cases)) + f' ORDER BY "{ROW}"').to_arrow_table()
    finally:
        con.unregister(SOURCE)


def spark_session(master: str = "local[1]"):
    """A Spark session (local by default) with exact semantics: ANSI SQL, UTC."""
    import os

    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no lookup of the machine's name
    return (SparkSession.builder.master(master).appName("ruleproof")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.ansi.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate())


def decide_spark(pack: ir.Pack, cases: pa.Table, names: Sequence[str] | None = None, session=None) -> pa.Table:
    """Decide every row of `cases` in one Spark SQL query; the decisions table, in row order."""
    spark = session if session is not None else spark_session()
    frame = spark.createDataFrame(cases)
    frame.createOrReplaceTempView(SOURCE)
    query = compile_query(pack, names, SOURCE, (ROW,), never_null(pack, cases)).sql("spark", copy=False) + f" ORDER BY `{ROW}`"
    return spark.sql(query).toArrow()
