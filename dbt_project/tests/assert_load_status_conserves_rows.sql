-- Every landed file accounts for each of its rows: rows_read = loaded + quarantined.
select
    feed,
    delivery_date,
    file_name,
    rows_read,
    rows_loaded,
    rows_quarantined
from {{ ref('mart_load_status') }}
where rows_read != rows_loaded + rows_quarantined
