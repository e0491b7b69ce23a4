-- One row per person: masked identity, push history, current status and where
-- the person is counted at the end of the last report date (contract §9).
with

persons as (
    select * from {{ ref('int_persons') }}
),

last_day as (
    select person_days.*
    from {{ ref('int_person_days') }} as person_days
    inner join {{ ref('int_report_dates') }} as report_dates
        on person_days.report_date = report_dates.report_date
    where report_dates.is_last_report_date
)

select
    persons.person_key,
    persons.identity_kind,
    {{ mask_name('persons.person_name') }} as name_masked,
    {{ mask_keep_3_4('persons.id_number') }} as id_masked,
    {{ mask_keep_3_4('persons.phone') }} as phone_masked,
    persons.gender,
    persons.birth_year,
    persons.first_pushed_at,
    persons.last_pushed_at,
    persons.push_records,
    persons.topics,
    case when last_day.is_backlog then 'OPEN' else persons.last_terminal_outcome end as status,
    persons.measure,
    persons.measure_until,
    last_day.street_code,
    last_day.community_code
from persons
inner join last_day on persons.person_key = last_day.person_key
