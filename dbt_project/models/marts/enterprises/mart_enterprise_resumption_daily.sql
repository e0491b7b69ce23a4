-- Enterprise resumption per community, category and report date (contract §9):
-- each enterprise counted once a day, by the community, category, status and
-- head counts of its latest event by the end of that day.
with

report_dates as (
    select * from {{ ref('int_report_dates') }}
),

filing_events as (
    select * from {{ ref('int_filing_events__deduplicated') }}
),

-- Event e is the enterprise's latest by the end of D for D in
-- [date of e, date of the next event): event_seq follows event_time.
event_spans as (
    select
        *,
        cast(event_time as date) as event_date,
        lead(cast(event_time as date)) over (
            partition by uscc order by event_seq
        ) as next_event_date
    from filing_events
),

latest_by_day as (
    select
        report_dates.report_date,
        event_spans.*
    from event_spans
    inner join report_dates
        on
            event_spans.event_date <= report_dates.report_date
            and (
                event_spans.next_event_date is null
                or event_spans.next_event_date > report_dates.report_date
            )
)

select
    report_date,
    community_code,
    category,
    any_value(street_code) as street_code,
    count(*) as enterprises,
    count(*) filter (where event = 'FILED') as filed,
    count(*) filter (where event = 'APPROVED') as approved,
    count(*) filter (where event = 'REJECTED') as rejected,
    count(*) filter (where event = 'RESUMED') as resumed,
    count(*) filter (where event = 'SUSPENDED') as suspended,
    count(*) filter (where event = 'RESUMED') / count(*) as resumption_rate,
    cast(sum(employees_total) as bigint) as employees_total,
    cast(sum(employees_returned) as bigint) as employees_returned
from latest_by_day
group by report_date, community_code, category
