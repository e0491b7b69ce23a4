{{ config(materialized='view') }}
-- One row per push record (batch_id, record_no): a key delivered again replaces
-- the earlier row; the latest delivery date, then the greatest file name, then
-- the last row wins (contract §5 push_list). The record's own street and
-- community are resolved against the reference.
with

-- read twice below: scanning the staging view twice is cheaper than DuckDB
-- materialising the whole CTE first (about 0.1 s a build on day-60 city data)
push_rows as not materialized (
    select * from {{ ref('stg_raw__push_list') }}
),

-- (delivery_date, file_name, row_number) names one delivered row; an aggregate
-- picks each key's winner at a fraction of the cost of a window over whole rows
winning_rows as (
    select max((delivery_date, file_name, row_number)) as winning_row
    from push_rows
    group by batch_id, record_no
),

latest_delivery as (
    select *
    from push_rows
    where (delivery_date, file_name, row_number) in (select winning_rows.winning_row from winning_rows)
),

resolved as (
    select
        latest_delivery.*,
        {{ resolved_area('own_street') }} as own_street_code,
        {{ resolved_area('own_community', with_parent=true) }} as own_community_code
    from latest_delivery
    {{ join_area('own_street', 'street', 'latest_delivery.street_text') }}
    {{ join_area(
        'own_community',
        'community',
        'latest_delivery.community_text',
        resolved_area('own_street')
    ) }}
)

select
    batch_id,
    record_no,
    topic,
    issued_at,
    deadline_hours,
    issued_at + to_hours(deadline_hours) as deadline_at,
    person_name,
    id_type,
    id_number,
    id_valid,
    phone,
    phone_valid,
    own_street_code,
    own_community_code,
    delivery_date,
    file_name,
    row_number
from resolved
