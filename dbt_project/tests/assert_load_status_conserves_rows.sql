-- Every landed file accounts for each of its rows: rows_read = loaded + quarantined.
select *
from {{ ref('mart_load_status') }}
where rows_read != rows_loaded + rows_quarantined
