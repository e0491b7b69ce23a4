-- The work queue: every push record still open at the end of the last report
-- date, oldest first, with what grid workers need to act on it (contract §9).
with

push_records as (
    select * from {{ ref('int_push_records__enriched') }}
),

verifications as (
    select * from {{ ref('int_verifications__linked') }}
),

end_of_data as (
    select end_of_day as end_of_last_day
    from {{ ref('int_report_dates') }}
    where is_last_report_date
),

open_records as (
    select push_records.*
    from push_records
    cross join end_of_data
    where
        push_records.satisfied_at is null
        or push_records.satisfied_at >= end_of_data.end_of_last_day
),

-- only the sightings of persons in the queue (a few of the millions matched)
sightings as (
    select * from {{ ref('int_checkpoint_sightings') }}
    where person_key in (select open_records.person_key from open_records)
),

attempts as (
    select
        batch_id,
        record_no,
        count(*) as attempts,
        max(verified_at) as last_attempt_at
    from verifications
    where outcome = 'UNREACHABLE'
    group by batch_id, record_no
),

last_sightings as (
    select
        open_records.batch_id,
        open_records.record_no,
        max(sightings.event_time) as last_seen_at_checkpoint
    from open_records
    inner join sightings
        on
            open_records.person_key = sightings.person_key
            and open_records.issued_at < sightings.event_time
    group by open_records.batch_id, open_records.record_no
)

select
    open_records.batch_id,
    open_records.record_no,
    open_records.topic,
    open_records.person_key,
    {{ mask_name('open_records.person_name') }} as name_masked,
    {{ mask_keep_3_4('open_records.id_number') }} as id_masked,
    {{ mask_keep_3_4('open_records.phone') }} as phone_masked,
    open_records.street_code,
    open_records.community_code,
    open_records.grid_code,
    open_records.issued_at,
    open_records.deadline_at,
    date_diff('second', open_records.issued_at, end_of_data.end_of_last_day) / 3600.0 as age_hours,
    open_records.deadline_at < end_of_data.end_of_last_day as is_overdue,
    coalesce(attempts.attempts, 0) as attempts,
    attempts.last_attempt_at,
    last_sightings.last_seen_at_checkpoint
from open_records
cross join end_of_data
left join attempts
    on
        open_records.batch_id = attempts.batch_id
        and open_records.record_no = attempts.record_no
left join last_sightings
    on
        open_records.batch_id = last_sightings.batch_id
        and open_records.record_no = last_sightings.record_no
