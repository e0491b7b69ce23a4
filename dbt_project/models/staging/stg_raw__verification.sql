select
    delivery_date,
    file_name,
    row_number,
    batch_id,
    record_no,
    id_number,
    id_valid,
    verified_at,
    community as community_text,
    grid as grid_text,
    verifier,
    method,
    outcome,
    measure,
    measure_until,
    health_code,
    nat_result
from {{ source('raw', 'verification') }}
