-- Checkpoint events matched to pushed persons (contract §7): an event matches a
-- person when its valid RIC equals the person's RIC identity, or its valid phone
-- equals a phone on one of the person's push records. One row per (event, person).
with

checkpoint_events as (
    select * from {{ ref('stg_raw__checkpoint') }}
),

push_records as (
    select * from {{ ref('int_push_records__identified') }}
),

ric_persons as (
    select distinct
        identity,
        person_key
    from push_records
    where identity_kind = 'RIC'
),

phone_persons as (
    select distinct
        phone,
        person_key
    from push_records
    where phone_valid
),

matches as (
    select
        checkpoint_events.delivery_date,
        checkpoint_events.file_name,
        checkpoint_events.row_number,
        ric_persons.person_key
    from checkpoint_events
    inner join ric_persons on 'RIC:' || checkpoint_events.id_number = ric_persons.identity
    where checkpoint_events.id_valid
    union
    select
        checkpoint_events.delivery_date,
        checkpoint_events.file_name,
        checkpoint_events.row_number,
        phone_persons.person_key
    from checkpoint_events
    inner join phone_persons on checkpoint_events.phone = phone_persons.phone
    where checkpoint_events.phone_valid
)

select
    checkpoint_events.delivery_date,
    checkpoint_events.file_name,
    checkpoint_events.row_number,
    checkpoint_events.checkpoint_code,
    checkpoint_events.event_time,
    checkpoint_events.direction,
    matches.person_key
from matches
inner join checkpoint_events
    on
        matches.delivery_date = checkpoint_events.delivery_date
        and matches.file_name = checkpoint_events.file_name
        and matches.row_number = checkpoint_events.row_number
