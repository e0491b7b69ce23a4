-- Enterprise filing events: rows repeating (filing_id, event, event_time) count
-- once, the latest delivery's row kept (contract §5). Enterprises are keyed by
-- their normalised USCC; the community is resolved against the reference.
with

filing_rows as (
    select * from {{ ref('stg_raw__enterprise_filing') }}
),

areas as (
    select * from {{ ref('stg_raw__areas') }}
),

latest_delivery as (
    select *
    from filing_rows
    qualify row_number() over (
            partition by filing_id, event, event_time
            order by delivery_date desc, file_name desc, row_number desc
        ) = 1
),

resolved as (
    select
        latest_delivery.*,
        {{ resolved_area('filing_community') }} as resolved_community_code
    from latest_delivery
    {{ join_area('filing_community', 'community', 'latest_delivery.community_text') }}
)

select
    resolved.uscc,
    resolved.uscc_valid,
    resolved.filing_id,
    resolved.enterprise_name,
    coalesce(resolved.resolved_community_code, '_UNRESOLVED') as community_code,
    coalesce(areas.street_code, '_UNRESOLVED') as street_code,
    resolved.category,
    resolved.event,
    resolved.event_time,
    resolved.employees_total,
    resolved.employees_returned,
    resolved.employees_from_risk_areas,
    resolved.planned_resume_date,
    resolved.inspection_passed,
    resolved.delivery_date,
    resolved.file_name,
    resolved.row_number,
    row_number() over (
        partition by resolved.uscc
        order by resolved.event_time, resolved.delivery_date, resolved.file_name, resolved.row_number
    ) as event_seq
from resolved
left join areas on resolved.resolved_community_code = areas.community_code
