-- Verification coverage and backlog per community and report date (contract §9).
-- Person counts use each person's community on that day, so communities add up
-- exactly to street and city totals; record counts use community(r).
with

person_days as (
    select * from {{ ref('int_person_days') }}
),

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
),

areas as (
    select * from {{ ref('stg_raw__areas') }}
),

person_counts as (
    select
        report_date,
        street_code,
        community_code,
        count(*) as pushed_persons,
        count(*) filter (where is_new) as new_persons,
        count(*) filter (where is_verified) as verified_persons,
        count(*) filter (where is_managed) as managed_persons,
        count(*) filter (where is_under_management) as under_management,
        count(*) filter (where is_backlog) as backlog_persons,
        count(*) filter (where is_overdue) as overdue_persons
    from person_days
    group by report_date, street_code, community_code
),

issued as (
    select
        issue_date as report_date,
        street_code,
        community_code,
        count(*) as records_issued
    from push_records
    group by all
),

satisfied as (
    select
        cast(satisfied_at as date) as report_date,
        street_code,
        community_code,
        count(*) as records_satisfied,
        quantile_cont(hours_to_verify, 0.5) as median_hours_to_verify
    from push_records
    where satisfied_at is not null
    group by all
),

due as (
    select
        cast(deadline_at as date) as report_date,
        street_code,
        community_code,
        count(*) as due_records,
        count(*) filter (where met_deadline) / count(*) as deadline_met_rate
    from push_records
    group by all
),

street_names as (
    select distinct
        street_code,
        street_name
    from areas
)

select
    person_counts.report_date,
    person_counts.street_code,
    coalesce(
        street_names.street_name,
        case when person_counts.street_code = '_UNRESOLVED' then '未识别街道' end
    ) as street_name,
    person_counts.community_code,
    coalesce(
        areas.community_name,
        case when person_counts.community_code = '_UNDISPATCHED' then '待分拨' end
    ) as community_name,
    person_counts.pushed_persons,
    person_counts.new_persons,
    person_counts.verified_persons,
    person_counts.managed_persons,
    person_counts.under_management,
    person_counts.backlog_persons,
    person_counts.overdue_persons,
    (person_counts.pushed_persons - person_counts.backlog_persons)
    / person_counts.pushed_persons as coverage_rate,
    coalesce(issued.records_issued, 0) as records_issued,
    coalesce(satisfied.records_satisfied, 0) as records_satisfied,
    satisfied.median_hours_to_verify,
    coalesce(due.due_records, 0) as due_records,
    due.deadline_met_rate
from person_counts
left join street_names on person_counts.street_code = street_names.street_code
left join areas on person_counts.community_code = areas.community_code
left join issued
    on
        person_counts.report_date = issued.report_date
        and person_counts.street_code = issued.street_code
        and person_counts.community_code = issued.community_code
left join satisfied
    on
        person_counts.report_date = satisfied.report_date
        and person_counts.street_code = satisfied.street_code
        and person_counts.community_code = satisfied.community_code
left join due
    on
        person_counts.report_date = due.report_date
        and person_counts.street_code = due.street_code
        and person_counts.community_code = due.community_code
