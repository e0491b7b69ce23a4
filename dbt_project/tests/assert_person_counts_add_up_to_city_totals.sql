-- Person counts by community add up exactly to the city total of each day: every
-- person pushed by the end of D is counted in exactly one community (contract §8).
with

community_totals as (
    select
        report_date,
        sum(pushed_persons) as pushed_persons
    from {{ ref('mart_coverage_daily') }}
    group by report_date
),

-- a person is pushed by the end of D once their first record is issued before it
first_pushes as (
    select
        person_key,
        min(issued_at) as first_issued_at
    from {{ ref('fct_push_record') }}
    group by person_key
),

city_totals as (
    select
        report_dates.report_date,
        count(first_pushes.person_key) as pushed_persons
    from {{ ref('int_report_dates') }} as report_dates
    inner join first_pushes on report_dates.end_of_day > first_pushes.first_issued_at
    group by report_dates.report_date
)

select
    city_totals.report_date,
    city_totals.pushed_persons as city_persons,
    community_totals.pushed_persons as community_sum
from city_totals
full outer join community_totals on city_totals.report_date = community_totals.report_date
where city_totals.pushed_persons is distinct from community_totals.pushed_persons
