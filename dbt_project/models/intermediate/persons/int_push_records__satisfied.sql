{{ config(materialized='view') }}
-- When each push record was satisfied (contract §8): the earliest of
--   (a) max(verified_at, issued_at) of a terminal verification of the record itself;
--   (b) verified_at of a terminal verification of the record's person, through any
--       record, made at or after the record was issued.
-- A person verified before a new push must be verified again for that push.
with

push_records as (
    select * from {{ ref('int_push_records__of_changed_persons') }}
),

terminal_verifications as (
    select * from {{ ref('int_verifications__of_changed_persons') }}
    where is_terminal and not is_orphan
),

own_candidates as (
    select
        push_records.batch_id,
        push_records.record_no,
        greatest(terminal_verifications.verified_at, push_records.issued_at) as satisfied_at,
        terminal_verifications.outcome,
        terminal_verifications.verified_at,
        terminal_verifications.delivery_date,
        terminal_verifications.file_name,
        terminal_verifications.row_number
    from push_records
    inner join terminal_verifications
        on
            push_records.batch_id = terminal_verifications.batch_id
            and push_records.record_no = terminal_verifications.record_no
),

person_candidates as (
    select
        push_records.batch_id,
        push_records.record_no,
        terminal_verifications.verified_at as satisfied_at,
        terminal_verifications.outcome,
        terminal_verifications.verified_at,
        terminal_verifications.delivery_date,
        terminal_verifications.file_name,
        terminal_verifications.row_number
    from push_records
    inner join terminal_verifications
        on
            push_records.person_key = terminal_verifications.person_key
            and push_records.issued_at <= terminal_verifications.verified_at
),

all_candidates as (
    select * from own_candidates
    union all
    select * from person_candidates
),

-- the earliest candidate, ties broken by verification time and delivery order
earliest_satisfaction as (
    select
        batch_id,
        record_no,
        min(satisfied_at) as satisfied_at,
        arg_min(
            outcome, (satisfied_at, verified_at, delivery_date, file_name, row_number)
        ) as outcome
    from all_candidates
    group by batch_id, record_no
)

select
    push_records.batch_id,
    push_records.record_no,
    push_records.person_key,
    push_records.issued_at,
    push_records.deadline_at,
    earliest_satisfaction.satisfied_at,
    earliest_satisfaction.outcome as satisfying_outcome,
    date_diff('second', push_records.issued_at, earliest_satisfaction.satisfied_at)
    / 3600.0 as hours_to_verify,
    earliest_satisfaction.satisfied_at <= push_records.deadline_at as met_deadline
from push_records
left join earliest_satisfaction
    on
        push_records.batch_id = earliest_satisfaction.batch_id
        and push_records.record_no = earliest_satisfaction.record_no
