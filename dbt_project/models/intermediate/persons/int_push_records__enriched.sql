{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        database=target.database,
        pre_hook="{{ delete_persons_with_changed_inputs() }}"
    )
}}
-- Push records with their person, satisfaction and attribution in one place:
-- the grain of fct_push_record and the input of every person-level model.
-- Incremental by person: the records of persons whose int_person_inputs
-- fingerprint changed (or who are new) are computed again, through the
-- satisfaction and attribution of their records alone; everyone else's rows
-- are kept. The pre-hook deletes the rows of changed and vanished persons.
with

identified as (
    select * from {{ ref('int_push_records__of_changed_persons') }}
),

satisfied as (
    select * from {{ ref('int_push_records__satisfied') }}
),

attributed as (
    select * from {{ ref('int_push_records__attributed') }}
),

changed_persons as (
    select * from {{ ref('int_person_inputs') }}
    where is_changed
)

select
    identified.batch_id,
    identified.record_no,
    identified.topic,
    identified.person_key,
    identified.identity_kind,
    identified.person_record_seq,
    identified.person_name,
    identified.id_number,
    identified.id_valid,
    identified.phone,
    identified.phone_valid,
    identified.issued_at,
    cast(identified.issued_at as date) as issue_date,
    identified.deadline_at,
    attributed.street_code,
    attributed.community_code,
    attributed.grid_code,
    identified.person_record_seq > 1 as is_repeat_push,
    satisfied.satisfied_at,
    satisfied.satisfying_outcome,
    satisfied.hours_to_verify,
    satisfied.met_deadline,
    changed_persons.input_fingerprint
from identified
inner join changed_persons on identified.person_key = changed_persons.person_key
inner join satisfied
    on
        identified.batch_id = satisfied.batch_id
        and identified.record_no = satisfied.record_no
inner join attributed
    on
        identified.batch_id = attributed.batch_id
        and identified.record_no = attributed.record_no
