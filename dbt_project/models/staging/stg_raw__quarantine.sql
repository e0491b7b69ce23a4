select
    feed,
    delivery_date,
    file_name,
    row_number,
    reason
from {{ source('raw', 'quarantine') }}
