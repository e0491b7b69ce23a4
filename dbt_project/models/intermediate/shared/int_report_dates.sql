-- Report dates (contract §8): every date from the earliest to the latest date of
-- any issued_at, verified_at or event_time (checkpoint and enterprise filing) in
-- the loaded data. end_of_day = report_date + 1 day at 00:00; the last report
-- date L closes the data (E_L).
with

business_dates as (
    select cast(issued_at as date) as business_date
    from {{ ref('int_push_records__identified') }}
    union all
    select cast(verified_at as date) from {{ ref('int_verifications__linked') }}
    union all
    select report_date from {{ ref('int_checkpoint_events__daily') }}
    union all
    select cast(event_time as date) from {{ ref('int_filing_events__deduplicated') }}
),

bounds as (
    select
        min(business_date) as first_date,
        max(business_date) as last_date
    from business_dates
),

spine as (
    select cast(series.series_date as date) as report_date
    from bounds,
        generate_series(bounds.first_date, bounds.last_date, interval 1 day) as series (series_date)
)

select
    spine.report_date,
    cast(spine.report_date + interval 1 day as timestamp) as end_of_day,
    spine.report_date = bounds.last_date as is_last_report_date
from spine
cross join bounds
