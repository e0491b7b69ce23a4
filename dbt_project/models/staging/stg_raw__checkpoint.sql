select
    delivery_date,
    file_name,
    row_number,
    checkpoint_code,
    event_time,
    direction,
    subject,
    id_number,
    id_valid,
    phone,
    phone_valid,
    plate,
    temperature,
    temperature_valid,
    health_code,
    action
from {{ source('raw', 'checkpoint') }}
