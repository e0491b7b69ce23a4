-- Quarantined rows per feed, delivery date and reason code (contract §4, §9).
select
    feed,
    delivery_date,
    reason,
    count(*) as rows
from {{ ref('stg_raw__quarantine') }}
group by feed, delivery_date, reason
