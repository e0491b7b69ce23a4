-- Coverage and backlog per topic (专项) and report date, counting only the
-- records of that topic (contract §9). Topics overlap: rows do not add up.
with

report_dates as (
    select * from {{ ref('int_report_dates') }}
),

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
),

first_topic_push as (
    select
        topic,
        person_key,
        min(issue_date) as first_issue_date
    from push_records
    group by topic, person_key
),

-- persons by the date of their first push of the topic: a few rows per topic and
-- date, so the running count below joins days to days, not persons to days
first_pushes_by_date as (
    select
        topic,
        first_issue_date,
        count(*) as first_pushed_persons
    from first_topic_push
    group by all
),

pushed as (
    select
        report_dates.report_date,
        first_pushes_by_date.topic,
        cast(sum(first_pushes_by_date.first_pushed_persons) as bigint) as pushed_persons
    from first_pushes_by_date
    inner join report_dates on first_pushes_by_date.first_issue_date <= report_dates.report_date
    group by all
),

open_persons as (
    select
        report_dates.report_date,
        push_records.topic,
        count(distinct push_records.person_key) as backlog_persons,
        count(distinct push_records.person_key) filter (
            where push_records.deadline_at < report_dates.end_of_day
        ) as overdue_persons
    from push_records
    inner join report_dates
        on
            push_records.issued_at < report_dates.end_of_day
            and (
                push_records.satisfied_at is null
                or push_records.satisfied_at >= report_dates.end_of_day
            )
    group by all
),

issued as (
    select
        issue_date as report_date,
        topic,
        count(*) as records_issued
    from push_records
    group by all
),

satisfied as (
    select
        cast(satisfied_at as date) as report_date,
        topic,
        count(*) as records_satisfied
    from push_records
    where satisfied_at is not null
    group by all
)

select
    pushed.report_date,
    pushed.topic,
    pushed.pushed_persons,
    coalesce(open_persons.backlog_persons, 0) as backlog_persons,
    coalesce(open_persons.overdue_persons, 0) as overdue_persons,
    (pushed.pushed_persons - coalesce(open_persons.backlog_persons, 0))
    / pushed.pushed_persons as coverage_rate,
    coalesce(issued.records_issued, 0) as records_issued,
    coalesce(satisfied.records_satisfied, 0) as records_satisfied
from pushed
left join open_persons
    on pushed.report_date = open_persons.report_date and pushed.topic = open_persons.topic
left join issued
    on pushed.report_date = issued.report_date and pushed.topic = issued.topic
left join satisfied
    on pushed.report_date = satisfied.report_date and pushed.topic = satisfied.topic
