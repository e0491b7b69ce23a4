"""The warehouse: the raw schema, the dbt build of the marts and the published serving file."""
