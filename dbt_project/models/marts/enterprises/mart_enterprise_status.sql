-- One row per enterprise (normalised USCC): its current resumption status and
-- head counts, decided by its latest filing event (contract §9).
with

filing_events as (
    select * from {{ ref('int_filing_events__deduplicated') }}
),

latest_event as (
    select *
    from filing_events
    qualify row_number() over (partition by uscc order by event_seq desc) = 1
),

-- status_since: the first event after the last event with another status.
last_other_status as (
    select
        filing_events.uscc,
        max(filing_events.event_seq) as last_other_seq
    from filing_events
    inner join latest_event
        on
            filing_events.uscc = latest_event.uscc
            and filing_events.event != latest_event.event
    group by filing_events.uscc
),

final_run_start as (
    select
        filing_events.uscc,
        min(filing_events.event_time) as status_since
    from filing_events
    left join last_other_status on filing_events.uscc = last_other_status.uscc
    where filing_events.event_seq > coalesce(last_other_status.last_other_seq, 0)
    group by filing_events.uscc
),

history as (
    select
        uscc,
        min(event_time) filter (where event = 'FILED') as first_filed_at,
        min(event_time) filter (where event = 'RESUMED') as resumed_at,
        arg_max(inspection_passed, event_seq) filter (
            where inspection_passed is not null
        ) as inspection_passed
    from filing_events
    group by uscc
)

select
    latest_event.uscc,
    latest_event.uscc_valid,
    latest_event.enterprise_name,
    latest_event.street_code,
    latest_event.community_code,
    latest_event.category,
    latest_event.event as status,
    final_run_start.status_since,
    history.first_filed_at,
    history.resumed_at,
    latest_event.employees_total,
    latest_event.employees_returned,
    case
        when latest_event.employees_total > 0
            then latest_event.employees_returned / latest_event.employees_total
    end as staff_return_rate,
    history.inspection_passed
from latest_event
inner join final_run_start on latest_event.uscc = final_run_start.uscc
inner join history on latest_event.uscc = history.uscc
