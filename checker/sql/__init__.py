"""Back end 3: SQL. A pack's decisions compiled to one query over a table of cases
(`compile.compile_query`), emitted for DuckDB, Spark SQL and PostgreSQL (`dialects`), and run
on DuckDB in-process or on Spark (`engines`)."""
