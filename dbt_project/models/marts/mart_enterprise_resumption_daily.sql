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

latest_by_day as (
    select
        report_dates.report_date,
        filing_events.*
    from filing_events
    inner join report_dates on filing_events.event_time < report_dates.end_of_day
    qualify row_number() over (
            partition by report_dates.report_date, filing_events.uscc
            order by filing_events.event_seq desc
        ) = 1
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
