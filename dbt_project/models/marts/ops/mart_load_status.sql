-- One row per landed file: how its last load went (contract §9). Operators read
-- this (or `gridwatch status`) to find rejected files and quarantined rows.
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
from {{ ref('stg_raw__load_log') }}
