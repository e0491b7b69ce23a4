select
    feed,
    delivery_date,
    loaded_at,
    file_name,
    change,
    key,
    changed_columns
from {{ source('raw', 'delivery_changes') }}
