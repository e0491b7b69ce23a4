select
    feed,
    delivery_date,
    file_name,
    status,
    rows_read,
    rows_loaded,
    rows_quarantined,
    sha256,
    loaded_at,
    error,
    note
from {{ source('raw', 'load_log') }}
