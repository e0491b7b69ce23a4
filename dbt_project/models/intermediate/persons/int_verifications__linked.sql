-- Verification returns: rows repeating (batch_id, record_no, verified_at,
-- outcome) count once, the latest delivery's row kept (contract §5). Each is
-- linked to its push record and so to the record's person; a verification
-- whose record has not arrived is an orphan (person_key NULL) until it does.
with

-- read twice below: scanning the staging view twice is cheaper than DuckDB
-- materialising the whole CTE first (about 0.1 s a build on day-60 city data)
verification_rows as not materialized (
    select * from {{ ref('stg_raw__verification') }}
),

push_records as (
    select * from {{ ref('int_push_records__identified') }}
),

-- (delivery_date, file_name, row_number) names one delivered row
winning_rows as (
    select max((delivery_date, file_name, row_number)) as winning_row
    from verification_rows
    group by batch_id, record_no, verified_at, outcome
),

latest_delivery as (
    select *
    from verification_rows
    where (delivery_date, file_name, row_number) in (select winning_rows.winning_row from winning_rows)
),

resolved as (
    select
        latest_delivery.*,
        {{ resolved_area('verified_community') }} as community_code,
        {{ resolved_area('verified_grid', with_parent=true) }} as grid_code
    from latest_delivery
    {{ join_area('verified_community', 'community', 'latest_delivery.community_text') }}
    {{ join_area(
        'verified_grid',
        'grid',
        'latest_delivery.grid_text',
        resolved_area('verified_community')
    ) }}
)

select
    resolved.batch_id,
    resolved.record_no,
    push_records.person_key,
    push_records.person_key is null as is_orphan,
    resolved.verified_at,
    resolved.method,
    resolved.outcome,
    resolved.outcome in ('MANAGED', 'NOT_IN_JURISDICTION', 'LEFT', 'NOT_FOUND') as is_terminal,
    resolved.measure,
    resolved.measure_until,
    resolved.health_code,
    resolved.nat_result,
    resolved.community_code,
    resolved.grid_code,
    resolved.delivery_date,
    resolved.file_name,
    resolved.row_number
from resolved
left join push_records
    on
        resolved.batch_id = push_records.batch_id
        and resolved.record_no = push_records.record_no
